#!/usr/bin/env bash
# Installs everything propgrad needs to build, test, benchmark and run its
# demo on a fresh Debian 12 machine. Debian's r-cran-* binaries come first
# (prebuilt, fast); CRAN is used only for what Debian lacks. Idempotent: a
# second run installs nothing new. Set PROPGRAD_SETUP_SKIP_APT=1 to skip apt.
set -euo pipefail

apt_pkgs=(
  r-base-dev cmake make g++ zip libgtest-dev libeigen3-dev pandoc qpdf
  texlive-latex-base texlive-latex-recommended libtorch-dev
  # pg_table()'s LaTeX (tabularray, siunitx; ulem from plain-generic) compiled in
  # tests; PDF pages as PNG and text
  texlive-latex-extra texlive-science texlive-plain-generic poppler-utils
  # the documentation site (make site: MathJax and Font Awesome copied from
  # libjs-mathjax and r-cran-fontawesome) and the report's browser check
  r-cran-pkgdown libjs-mathjax r-cran-fontawesome chromium
  r-cran-rcpp r-cran-rcpparmadillo r-cran-rcppeigen
  r-cran-cli r-cran-digest r-cran-rlang r-cran-generics r-cran-testthat r-cran-withr r-cran-callr
  r-cran-roxygen2 r-cran-pkgbuild r-cran-knitr r-cran-rmarkdown
  r-cran-coin python3-numpy r-cran-bh libboost-dev
  r-cran-ggplot2 r-cran-vdiffr r-cran-png r-cran-jpeg
  r-cran-future r-cran-future.apply r-cran-progressr r-cran-covr
  r-cran-bit64 r-cran-units r-cran-future.batchtools r-cran-processx r-cran-ps r-cran-parallelly
  # libFuzzer (tools/fuzz.sh) and checkbashisms (R CMD check of configure)
  clang libclang-rt-14-dev devscripts
)

if [ "${PROPGRAD_SETUP_SKIP_APT:-0}" != 1 ] && command -v apt-get >/dev/null; then
  missing=()
  for p in "${apt_pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing Debian packages: ${missing[*]}"
    sudo_cmd=""
    [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
fi

# CRAN only for what Debian does not ship, or ships too old: tinytable
# registers a method for xfun::record_print, which Debian's xfun 0.37 lacks,
# and a newer xfun needs a newer knitr. Each entry is name=minimum version.
cran_pkgs=(xfun=0.52 evaluate=1.0.0 highr=0.11 knitr=1.50 tinytable=0.13.0)
Rscript -e 'want <- strsplit(commandArgs(TRUE), "=", fixed = TRUE)
  # lib.loc: the version on disk, not that of a namespace loaded meanwhile.
  version <- function(p) {
    v <- suppressWarnings(utils::packageDescription(p, lib.loc = .libPaths(), fields = "Version"))
    package_version(if (is.na(v)) "0" else v)
  }
  old <- vapply(want, function(w) version(w[1]) < w[2], TRUE)
  p <- vapply(want[old], `[`, "", 1)
  if (length(p)) {
    message("setup: installing from CRAN: ", paste(p, collapse = " "))
    install.packages(p, repos = "https://cloud.r-project.org", quiet = TRUE)
  }
  for (w in want) if (version(w[1]) < w[2]) stop("setup: ", w[1], " >= ", w[2], " could not be installed")' "${cran_pkgs[@]}"
# A Typst compiler for the tests of pg_table(format = "typst"), from npm
# (tools/typst/typst wraps it); skipped where npm is missing.
if command -v npm >/dev/null && [ ! -d "$(dirname "$0")/typst/node_modules/@myriaddreamin/typst-ts-node-compiler" ]; then
  (cd "$(dirname "$0")/typst" && npm install --no-audit --no-fund --loglevel=error) ||
    echo "setup: could not install the Typst compiler; Typst tests will skip"
fi
echo "setup: done"
