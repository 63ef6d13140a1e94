/*
 * guard.c
 *		The DROP EXTENSION guard: an event trigger function (ddl_command_start)
 *		that refuses any command that would drop extension crm_ext while its
 *		user-data tables hold rows, and the GUC crm.allow_drop_with_data that
 *		lets such a command through.
 *
 * Which commands drop the extension (checked on PostgreSQL 15):
 *	- DROP EXTENSION naming crm_ext (with or without CASCADE, IF EXISTS, in a
 *	  list with other extensions);
 *	- DROP SCHEMA crm CASCADE: the extension depends on its schema, so the
 *	  cascade drops it (without CASCADE the drop fails anyway);
 *	- any DROP ... CASCADE whose dependents include a member of crm_ext: the
 *	  dependency code then turns the member's deletion into the deletion of
 *	  the whole extension (DROP EXTENSION plpgsql CASCADE, DROP LANGUAGE
 *	  plpgsql CASCADE);
 *	- DROP OWNED BY the role that owns the extension (the extension is one of
 *	  its objects; with CASCADE also by the owner of schema crm).
 * DROP TABLE crm.customers and other direct drops of members are refused by
 * PostgreSQL itself ("extension crm_ext requires it").
 *
 * The user-data tables are the ones registered with pg_extension_config_dump
 * with an empty filter (all rows are dumped): crm.customers and
 * crm.interactions; seeded tables (filter WHERE NOT is_default) are not
 * counted.  The tables are locked (ACCESS EXCLUSIVE, which the drop takes
 * anyway) before they are counted, so no row can arrive between the check
 * and the drop, and they are read directly (no privilege or row-security
 * check), so that the answer does not depend on who asks.  The lock is taken
 * only after the caller has been checked to be allowed to drop the object
 * (the same ownership check the DROP makes), so that no unprivileged user
 * can lock the tables by attempting a drop.
 *
 * Event triggers do not fire in single-user mode, so there the guard does
 * nothing; and since the trigger is ENABLE ALWAYS it fires whatever
 * session_replication_role is.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/tableam.h"
#include "catalog/dependency.h"
#include "catalog/indexing.h"
#include "catalog/objectaddress.h"
#include "catalog/pg_class.h"
#include "catalog/pg_depend.h"
#include "catalog/pg_extension.h"
#include "catalog/pg_namespace.h"
#include "commands/event_trigger.h"
#include "commands/extension.h"
#include "executor/tuptable.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "storage/lmgr.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

#include "crm_pg.h"

#define CRM_EXTENSION_NAME "crm_ext"

/* crm.allow_drop_with_data: let commands drop the extension and its rows */
static bool crm_allow_drop_with_data = false;

/* What the guard needs to know about the installed extension. */
typedef struct GuardExtension
{
	Oid			oid;
	Oid			owner;
	Oid			schema;
} GuardExtension;

/* Key of the visited-objects hash of the dependency walk. */
typedef struct GuardObjKey
{
	Oid			classid;
	Oid			objid;
} GuardObjKey;

/* Register crm.allow_drop_with_data (called from _PG_init). */
void
crm_guard_init(void)
{
	DefineCustomBoolVariable("crm.allow_drop_with_data",
							 "Allows DROP EXTENSION crm_ext while crm.customers or crm.interactions hold rows.",
							 "When off (the default), commands that would drop extension crm_ext, and with it "
							 "the rows of its tables, are refused.",
							 &crm_allow_drop_with_data,
							 false,
							 PGC_USERSET,
							 0,
							 NULL, NULL, NULL);
}

/* Read the extension's owner and schema; false if it is not installed. */
static bool
guard_lookup_extension(GuardExtension *ext)
{
	Relation	rel;
	SysScanDesc scan;
	ScanKeyData key;
	HeapTuple	tup;
	bool		found = false;

	ext->oid = get_extension_oid(CRM_EXTENSION_NAME, true);
	if (!OidIsValid(ext->oid))
		return false;
	rel = table_open(ExtensionRelationId, AccessShareLock);
	ScanKeyInit(&key, Anum_pg_extension_oid, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(ext->oid));
	scan = systable_beginscan(rel, ExtensionOidIndexId, true, NULL, 1, &key);
	tup = systable_getnext(scan);
	if (HeapTupleIsValid(tup))
	{
		Form_pg_extension form = (Form_pg_extension) GETSTRUCT(tup);

		ext->owner = form->extowner;
		ext->schema = form->extnamespace;
		found = true;
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return found;
}

/*
 * Would deleting obj with CASCADE delete the extension?  Walks pg_depend
 * from obj to everything that depends on it, transitively, and answers true
 * when it meets the extension or one of its members (deleting a member in a
 * cascade deletes the whole extension).  A member as the starting object is
 * refused by PostgreSQL itself, so it answers false for that.
 */
static bool
guard_cascade_reaches(ObjectAddress obj, Oid extoid)
{
	HASHCTL		ctl;
	HTAB	   *seen;
	List	   *queue = NIL;
	int			i;
	bool		reaches = false;
	Relation	deprel;
	GuardObjKey *start;
	bool		found;

	if (getExtensionOfObject(obj.classId, obj.objectId) == extoid)
		return false;

	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(GuardObjKey);
	ctl.entrysize = sizeof(GuardObjKey);
	ctl.hcxt = CurrentMemoryContext;
	seen = hash_create("crm_ext drop guard", 256, &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);

	start = palloc(sizeof(GuardObjKey));
	start->classid = obj.classId;
	start->objid = obj.objectId;
	(void) hash_search(seen, start, HASH_ENTER, &found);
	queue = lappend(queue, start);

	deprel = table_open(DependRelationId, AccessShareLock);
	/* breadth first; list_nth on a List is O(1) since PostgreSQL 13 */
	for (i = 0; i < list_length(queue) && !reaches; i++)
	{
		GuardObjKey *cur = (GuardObjKey *) list_nth(queue, i);
		ScanKeyData key[2];
		SysScanDesc scan;
		HeapTuple	tup;

		CHECK_FOR_INTERRUPTS();
		ScanKeyInit(&key[0], Anum_pg_depend_refclassid, BTEqualStrategyNumber, F_OIDEQ,
					ObjectIdGetDatum(cur->classid));
		ScanKeyInit(&key[1], Anum_pg_depend_refobjid, BTEqualStrategyNumber, F_OIDEQ,
					ObjectIdGetDatum(cur->objid));
		scan = systable_beginscan(deprel, DependReferenceIndexId, true, NULL, 2, key);
		while (HeapTupleIsValid(tup = systable_getnext(scan)))
		{
			Form_pg_depend dep = (Form_pg_depend) GETSTRUCT(tup);
			GuardObjKey k;

			if (!OidIsValid(dep->classid))
				continue;		/* a pin entry (PostgreSQL < 15) */
			if ((dep->classid == ExtensionRelationId && dep->objid == extoid) ||
				getExtensionOfObject(dep->classid, dep->objid) == extoid)
			{
				reaches = true;
				break;
			}
			k.classid = dep->classid;
			k.objid = dep->objid;
			(void) hash_search(seen, &k, HASH_ENTER, &found);
			if (!found)
			{
				GuardObjKey *next = palloc(sizeof(GuardObjKey));

				*next = k;
				queue = lappend(queue, next);
			}
		}
		systable_endscan(scan);
	}
	table_close(deprel, AccessShareLock);
	list_free_deep(queue);
	hash_destroy(seen);
	return reaches;
}

/*
 * Does this DROP statement drop the extension?  Resolves each object as
 * RemoveObjects() will (same lock), then checks the caller's ownership the
 * way the DROP will, before anything else is locked.
 */
static bool
guard_drop_stmt(DropStmt *stmt, const GuardExtension *ext)
{
	ListCell   *cell;

	/* relation drops go through other code and cannot reach the extension here */
	switch (stmt->removeType)
	{
		case OBJECT_TABLE:
		case OBJECT_SEQUENCE:
		case OBJECT_VIEW:
		case OBJECT_MATVIEW:
		case OBJECT_INDEX:
		case OBJECT_FOREIGN_TABLE:
			return false;
		default:
			break;
	}

	foreach(cell, stmt->objects)
	{
		Node	   *object = lfirst(cell);
		Relation	relation = NULL;
		ObjectAddress address;
		bool		drops;

		address = get_object_address(stmt->removeType, object, &relation,
									 AccessExclusiveLock, true);
		if (relation != NULL)
			table_close(relation, NoLock);
		if (!OidIsValid(address.objectId))
			continue;			/* missing: the DROP reports it (or skips it) */
		if (address.classId == ExtensionRelationId && address.objectId == ext->oid)
			drops = true;
		else if (stmt->behavior == DROP_CASCADE)
			drops = guard_cascade_reaches(address, ext->oid);
		else
			drops = false;
		if (drops)
		{
			/* the error the DROP itself would raise, before we lock the tables */
			check_object_ownership(GetUserId(), stmt->removeType, address, object, NULL);
			return true;
		}
	}
	return false;
}

/* Does this DROP OWNED statement drop the extension? */
static bool
guard_drop_owned(DropOwnedStmt *stmt, const GuardExtension *ext)
{
	Oid			schema_owner = InvalidOid;
	HeapTuple	tup;
	ListCell   *cell;

	tup = SearchSysCache1(NAMESPACEOID, ObjectIdGetDatum(ext->schema));
	if (HeapTupleIsValid(tup))
	{
		schema_owner = ((Form_pg_namespace) GETSTRUCT(tup))->nspowner;
		ReleaseSysCache(tup);
	}

	foreach(cell, stmt->roles)
	{
		Oid			roleid = get_rolespec_oid((RoleSpec *) lfirst(cell), true);

		if (!OidIsValid(roleid) || !has_privs_of_role(GetUserId(), roleid))
			continue;			/* DROP OWNED reports these itself */
		if (roleid == ext->owner ||
			(stmt->behavior == DROP_CASCADE && roleid == schema_owner))
			return true;
	}
	return false;
}

/* Count the rows visible to a fresh snapshot, reading the heap directly. */
static int64
guard_count_rows(Relation rel)
{
	Snapshot	snap = RegisterSnapshot(GetLatestSnapshot());
	TableScanDesc scan = table_beginscan(rel, snap, 0, NULL);
	TupleTableSlot *slot = table_slot_create(rel, NULL);
	int64		n = 0;

	while (table_scan_getnextslot(scan, ForwardScanDirection, slot))
	{
		n++;
		if ((n & 0xffff) == 0)
			CHECK_FOR_INTERRUPTS();
	}
	ExecDropSingleTupleTableSlot(slot);
	table_endscan(scan);
	UnregisterSnapshot(snap);
	return n;
}

/*
 * Lock and count the user-data tables (config tables dumped in full); raise
 * the error when any has rows.
 */
static void
guard_refuse_if_data(const GuardExtension *ext, const char *command)
{
	Relation	extrel;
	SysScanDesc scan;
	ScanKeyData key;
	HeapTuple	tup;
	Datum		d;
	bool		isnull;
	Datum	   *configs = NULL;
	Datum	   *conds = NULL;
	int			nconfigs = 0,
				nconds = 0,
				i;
	int64		total = 0;
	StringInfoData detail,
				tables;
	List	   *names = NIL;
	ListCell   *lc;

	extrel = table_open(ExtensionRelationId, AccessShareLock);
	ScanKeyInit(&key, Anum_pg_extension_oid, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(ext->oid));
	scan = systable_beginscan(extrel, ExtensionOidIndexId, true, NULL, 1, &key);
	tup = systable_getnext(scan);
	if (HeapTupleIsValid(tup))
	{
		d = heap_getattr(tup, Anum_pg_extension_extconfig, RelationGetDescr(extrel), &isnull);
		if (!isnull)
			deconstruct_array(DatumGetArrayTypeP(d), OIDOID, sizeof(Oid), true, TYPALIGN_INT,
							  &configs, NULL, &nconfigs);
		d = heap_getattr(tup, Anum_pg_extension_extcondition, RelationGetDescr(extrel), &isnull);
		if (!isnull)
			deconstruct_array(DatumGetArrayTypeP(d), TEXTOID, -1, false, TYPALIGN_INT,
							  &conds, NULL, &nconds);
	}
	systable_endscan(scan);
	table_close(extrel, AccessShareLock);

	initStringInfo(&detail);
	initStringInfo(&tables);
	for (i = 0; i < nconfigs && i < nconds; i++)
	{
		Oid			relid = DatumGetObjectId(configs[i]);
		char	   *cond = TextDatumGetCString(conds[i]);
		Relation	rel;
		int64		n;
		char	   *name;

		if (cond[0] != '\0' || get_rel_relkind(relid) != RELKIND_RELATION)
			continue;			/* a seeded table (filtered dump) or a sequence */
		rel = table_open(relid, AccessExclusiveLock);
		n = guard_count_rows(rel);
		name = quote_qualified_identifier(get_namespace_name(RelationGetNamespace(rel)),
										  RelationGetRelationName(rel));
		table_close(rel, NoLock);	/* keep the lock until the drop */

		/* the hint lists every data table, last registered first (FK order) */
		names = lcons(name, names);
		if (n > 0)
		{
			if (detail.len > 0)
				appendStringInfoString(&detail, ", ");
			appendStringInfo(&detail, INT64_FORMAT " %s in %s", n, n == 1 ? "row" : "rows", name);
			total += n;
		}
	}

	foreach(lc, names)
		appendStringInfo(&tables, "%s%s", tables.len > 0 ? ", " : "", (char *) lfirst(lc));

	if (total > 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("cannot drop extension %s while its tables hold data", CRM_EXTENSION_NAME),
				 errdetail("%s would drop extension %s and with it %s.", command,
						   CRM_EXTENSION_NAME, detail.data),
				 errhint("Export the data and TRUNCATE %s first, or SET crm.allow_drop_with_data = on.",
						 tables.data)));
}

PG_FUNCTION_INFO_V1(drop_guard);

/*
 * crm.drop_guard(): the ddl_command_start event trigger.  Finds out whether
 * the command drops the extension and, if so and the data tables hold rows,
 * raises 55000 unless crm.allow_drop_with_data is on.
 */
Datum
drop_guard(PG_FUNCTION_ARGS)
{
	EventTriggerData *trigdata;
	GuardExtension ext;
	bool		drops = false;

	if (!CALLED_AS_EVENT_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_EVENT_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("crm.drop_guard() can only run as an event trigger")));
	if (crm_allow_drop_with_data)
		PG_RETURN_VOID();
	trigdata = (EventTriggerData *) fcinfo->context;
	if (trigdata->parsetree == NULL || !guard_lookup_extension(&ext))
		PG_RETURN_VOID();

	if (IsA(trigdata->parsetree, DropStmt))
		drops = guard_drop_stmt((DropStmt *) trigdata->parsetree, &ext);
	else if (IsA(trigdata->parsetree, DropOwnedStmt))
		drops = guard_drop_owned((DropOwnedStmt *) trigdata->parsetree, &ext);

	if (drops)
		guard_refuse_if_data(&ext, GetCommandTagName(trigdata->tag));
	PG_RETURN_VOID();
}
