#!/usr/bin/env bash
# Installs everything propgrad needs to build, test, benchmark and run its
# demo on a fresh Debian 12 machine. Debian's r-cran-* binaries come first
# (prebuilt, fast); CRAN is used only for what Debian lacks. Idempotent: a
# second run installs nothing new. Set PROPGRAD_SETUP_SKIP_APT=1 to skip apt.
set -euo pipefail

apt_pkgs=(
  r-base-dev cmake make g++ zip libgtest-dev libeigen3-dev pandoc qpdf
  texlive-latex-base texlive-latex-recommended libtorch-dev
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

# CRAN only for what Debian does not ship (none today; kept for later needs).
cran_pkgs=()
if [ ${#cran_pkgs[@]} -gt 0 ]; then
  Rscript -e 'p <- commandArgs(TRUE); p <- p[!vapply(p, requireNamespace, TRUE, quietly = TRUE)];
    if (length(p)) install.packages(p, repos = "https://cloud.r-project.org")' "${cran_pkgs[@]}"
fi
echo "setup: done"
