#!/usr/bin/env bash
# test/report_check.sh: look at the HTML report as a person would.
#
#   test/report_check.sh [report.html]
#
# Without an argument it writes a report first (test/report.sh: throwaway
# cluster, demo data).  Then it parses the page and every SVG chart in it
# with an XML parser (xmllint), renders the page in headless Chromium in a
# light and a dark colour scheme, and checks that the screenshots are not
# blank (a small PNG decoder in Perl counts the colours) and that the dark
# one is dark.  The screenshots are kept beside the report
# (<report>.png, <report>-dark.png) for a human to look at.  Prints
# "ok - ..." / "not ok - ..." lines; exit status 1 if any check failed.
#
# Installs the Debian packages chromium, libxml2-utils and fonts-dejavu-core
# when missing (within CRM_INSTALL_TIMEOUT seconds, default 900); each
# Chromium run is limited to 120 seconds.

set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

crm_make_workdir

failed=0
ok() { echo "ok - $*"; }
nok() { echo "not ok - $*"; failed=$((failed + 1)); }

# Chromium (about 100 MB with its libraries on a fresh Debian 12) and
# xmllint, in a subshell under a time limit so that a slow or unreachable
# mirror fails this step instead of hanging the suite.  The fonts are
# named: without a font Chromium draws no text (libfontconfig1 pulls one
# in today, by an alternative dependency only).
if ! timeout "${CRM_INSTALL_TIMEOUT:-900}" bash -c '. "$1/lib.sh" && crm_ensure_packages chromium libxml2-utils fonts-dejavu-core' \
	_ "$here" >"$CRM_WORK/install.log" 2>&1; then
	nok "report: installing chromium, libxml2-utils and fonts-dejavu-core (apt-get) failed or took over ${CRM_INSTALL_TIMEOUT:-900} s: $(tail -2 "$CRM_WORK/install.log" | tr '\n' ' ')"
	exit 1
fi

report=${1:-}
if [ -z "$report" ]; then
	report="$CRM_WORK/crm_report.html"
	"$here/report.sh" -o "$report" >"$CRM_WORK/report.log" 2>&1 ||
		{ cat "$CRM_WORK/report.log" >&2; echo "not ok - report: test/report.sh failed"; exit 1; }
fi

if [ ! -s "$report" ]; then
	nok "report: $report exists and is not empty"
	exit 1
fi
# Chromium needs an absolute file:// URL
report="$(cd "$(dirname "$report")" && pwd)/$(basename "$report")"

# 1. the page is well-formed XML (XHTML), every chart too
if xmllint --noout "$report" 2>"$CRM_WORK/xmllint-page.err"; then
	ok "report: the page is well-formed XML"
else
	nok "report: the page is well-formed XML: $(head -3 "$CRM_WORK/xmllint-page.err" | tr '\n' ' ')"
fi

# the extension writes each chart as lines from "<svg xmlns=" to "</svg>"
mkdir -p "$CRM_WORK/svg"
awk -v dir="$CRM_WORK/svg" '
	/^<svg xmlns=/ { n++; f = sprintf("%s/chart%02d.svg", dir, n) }
	f != "" { print > f }
	/^<\/svg>$/ { close(f); f = "" }
' "$report"
nsvg=$(find "$CRM_WORK/svg" -name 'chart*.svg' | wc -l)
bad=""
for f in "$CRM_WORK"/svg/chart*.svg; do
	[ -e "$f" ] || continue
	if ! xmllint --noout "$f" 2>>"$CRM_WORK/xmllint-svg.err"; then
		bad="$bad $(basename "$f")"
	elif [ "$(xmllint --xpath 'count(/*[local-name()="svg"]/*[local-name()="title"]) + count(/*[local-name()="svg"]/*[local-name()="desc"])' "$f")" != 2 ]; then
		bad="$bad $(basename "$f")(no title/desc)"
	fi
done
if [ "$nsvg" -ge "${CRM_REPORT_MIN_CHARTS:-4}" ] && [ -z "$bad" ]; then
	ok "report: $nsvg SVG charts, each well-formed with a title and a description"
else
	nok "report: $nsvg SVG charts (want at least ${CRM_REPORT_MIN_CHARTS:-4}), bad:${bad:- none}"
fi

# 2. screenshots in headless Chromium, light and dark
shoot() {
	local png=$1
	shift
	rm -rf "$CRM_WORK/chromium"
	mkdir -p "$CRM_WORK/chromium"
	timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--user-data-dir="$CRM_WORK/chromium" --hide-scrollbars \
		--window-size=1280,4400 "$@" --screenshot="$png" "file://$report" \
		>"$CRM_WORK/chromium.log" 2>&1 || true
	[ -s "$png" ]
}

# PNG statistics: distinct colours, share and luminance of the commonest one.
# A tiny decoder (8-bit RGB/RGBA, not interlaced: what Chromium writes) on
# Perl's core Compress::Zlib, so no image tools are needed.
png_stats() {
	perl -e '
use strict; use warnings; use Compress::Zlib;
open my $fh, "<:raw", $ARGV[0] or die "cannot open $ARGV[0]\n";
local $/; my $d = <$fh>;
substr($d, 0, 8) eq "\x89PNG\r\n\x1a\n" or die "not a PNG\n";
my ($pos, $w, $h, $depth, $ctype, $il, $idat) = (8, 0, 0, 0, 0, 0, "");
while ($pos + 8 <= length $d) {
	my ($len, $type) = unpack("Na4", substr($d, $pos, 8));
	my $data = substr($d, $pos + 8, $len);
	$pos += 12 + $len;
	if ($type eq "IHDR") { ($w, $h, $depth, $ctype, undef, undef, $il) = unpack("NNCCCCC", $data) }
	elsif ($type eq "IDAT") { $idat .= $data }
	elsif ($type eq "IEND") { last }
}
die "unsupported PNG (depth $depth, colour type $ctype, interlace $il)\n"
	unless $depth == 8 && ($ctype == 2 || $ctype == 6) && !$il;
my $bpp = $ctype == 6 ? 4 : 3;
my $raw = uncompress($idat); defined $raw or die "bad image data\n";
my $stride = $w * $bpp;
my @prev = (0) x $stride;
my %seen;
for my $y (0 .. $h - 1) {
	my $ft = ord substr($raw, $y * ($stride + 1), 1);
	my @c = unpack("C*", substr($raw, $y * ($stride + 1) + 1, $stride));
	if ($ft == 1) { $c[$_] = ($c[$_] + $c[$_ - $bpp]) & 255 for $bpp .. $stride - 1 }
	elsif ($ft == 2) { $c[$_] = ($c[$_] + $prev[$_]) & 255 for 0 .. $stride - 1 }
	elsif ($ft == 3) {
		for my $i (0 .. $stride - 1) {
			my $a = $i >= $bpp ? $c[$i - $bpp] : 0;
			$c[$i] = ($c[$i] + (($a + $prev[$i]) >> 1)) & 255;
		}
	}
	elsif ($ft == 4) {
		for my $i (0 .. $stride - 1) {
			my $a = $i >= $bpp ? $c[$i - $bpp] : 0;
			my $b = $prev[$i];
			my $cc = $i >= $bpp ? $prev[$i - $bpp] : 0;
			my $p = $a + $b - $cc;
			my ($pa, $pb, $pc) = (abs($p - $a), abs($p - $b), abs($p - $cc));
			my $pr = ($pa <= $pb && $pa <= $pc) ? $a : ($pb <= $pc ? $b : $cc);
			$c[$i] = ($c[$i] + $pr) & 255;
		}
	}
	elsif ($ft != 0) { die "bad filter $ft\n" }
	for (my $i = 0; $i < $stride; $i += $bpp) { $seen{($c[$i] << 16) | ($c[$i + 1] << 8) | $c[$i + 2]}++ }
	@prev = @c;
}
my ($top) = sort { $seen{$b} <=> $seen{$a} } keys %seen;
my $lum = (0.2126 * (($top >> 16) & 255) + 0.7152 * (($top >> 8) & 255) + 0.0722 * ($top & 255)) / 255;
printf "%d %d %d %.4f %.3f\n", $w, $h, scalar(keys %seen), $seen{$top} / ($w * $h), $lum;
' "$1"
}

light="${report%.html}.png"
dark="${report%.html}-dark.png"
if shoot "$light"; then
	if read -r w h colours share lum < <(png_stats "$light"); then
		if [ "$colours" -ge 64 ] && awk -v s="$share" -v l="$lum" 'BEGIN { exit !(s < 0.97 && l > 0.7) }'; then
			ok "report: light screenshot ${w}x${h} is not blank ($colours colours, background $share of the page)"
		else
			nok "report: light screenshot ${w}x${h} looks blank or dark ($colours colours, commonest $share, luminance $lum)"
		fi
	else
		nok "report: light screenshot could not be decoded"
	fi
else
	nok "report: headless Chromium took no screenshot: $(tail -3 "$CRM_WORK/chromium.log" | tr '\n' ' ')"
fi
if shoot "$dark" --force-dark-mode --blink-settings=preferredColorScheme=0; then
	if read -r w h colours share lum < <(png_stats "$dark"); then
		if [ "$colours" -ge 64 ] && awk -v s="$share" -v l="$lum" 'BEGIN { exit !(s < 0.97 && l < 0.3) }'; then
			ok "report: dark screenshot ${w}x${h} is dark and not blank ($colours colours, luminance $lum)"
		else
			nok "report: dark screenshot ${w}x${h} not dark or blank ($colours colours, commonest $share, luminance $lum)"
		fi
	else
		nok "report: dark screenshot could not be decoded"
	fi
else
	nok "report: headless Chromium took no dark screenshot: $(tail -3 "$CRM_WORK/chromium.log" | tr '\n' ' ')"
fi

[ "$failed" -eq 0 ]
