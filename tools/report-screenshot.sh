#!/bin/sh
# Renders the HTML report of the bundled example study (pg_study) and takes
# a full-page screenshot of it with headless Chromium, to look at the report
# as a reader would (layout, tables, figures, table of contents). Chromium
# can only shoot a fixed window, so the window is made taller than any
# report and the blank space below the page's end is cropped afterwards.
#
# Usage: tools/report-screenshot.sh [OUT_DIR] [WIDTH]
#   OUT_DIR  folder for report.html and report.png (default: propgrad-screenshot)
#   WIDTH    window width in pixels (default: 1200)
# Needs R with propgrad and png installed (R_LIBS is honoured), pandoc and
# chromium (or chromium-browser / google-chrome).
set -eu

out=${1:-propgrad-screenshot}
width=${2:-1200}
height=${PROPGRAD_SCREENSHOT_HEIGHT:-16000}
mkdir -p "$out"
out=$(cd "$out" && pwd)

browser=""
for b in chromium chromium-browser google-chrome; do
  if command -v "$b" >/dev/null 2>&1; then browser=$b; break; fi
done
if [ -z "$browser" ]; then
  echo "report-screenshot: no chromium found; install it (Debian: apt-get install chromium)" >&2
  exit 1
fi

Rscript -e '
  suppressPackageStartupMessages(library(propgrad))
  out <- commandArgs(TRUE)[1]
  tests <- property_test(pg_study, p_cat ~ strength | image + model + property,
                         n_perm = 9999, seed = 1, probs = c("p_cat", "p_dog"))
  pg_report(tests, file.path(out, "report.html"), data = pg_study, seed = 1, overwrite = TRUE)
' "$out"

rm -f "$out/report-full.png"
# --no-sandbox: Chromium refuses to run as root (containers, CI) without it.
"$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars \
  --screenshot="$out/report-full.png" --window-size="$width,$height" \
  "file://$out/report.html" >/dev/null 2>&1 || true
if [ ! -s "$out/report-full.png" ]; then
  echo "report-screenshot: $browser wrote no screenshot" >&2
  exit 1
fi

# Crop the window to the page: keep rows down to the last one that is not
# background, plus a margin.
Rscript -e '
  args <- commandArgs(TRUE)
  img <- png::readPNG(args[1])
  rgb <- img[, , 1:3, drop = FALSE]
  bg <- rgb[nrow(rgb), 1, ]
  differs <- apply(abs(sweep(rgb, 3, bg)), 1, max) > 0.02
  last <- max(which(differs), 1)
  keep <- seq_len(min(nrow(img), last + 40))
  if (last >= nrow(img) - 1) message("report-screenshot: the page may be taller than the window; set PROPGRAD_SCREENSHOT_HEIGHT")
  png::writePNG(img[keep, , , drop = FALSE], args[2])
  cat(sprintf("%s: %d x %d pixels\n", args[2], ncol(img), length(keep)))
' "$out/report-full.png" "$out/report.png"
rm -f "$out/report-full.png"
