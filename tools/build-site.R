# Builds the pkgdown site into site/ (`make site`) from the sources' man/,
# vignettes/ and README.md, running the examples and vignettes with the
# propgrad already installed (`make install`, or the CI's check stage): it
# does not install or compile anything. The build is offline: pkgdown's
# internet checks are off, its CDN scripts are replaced by
# pkgdown/templates/head.html and pkgdown/assets/offline.js, and MathJax and
# Font Awesome are copied from this machine into the site. Any error or R
# warning (a topic missing from the reference index, a vignette missing from
# the articles, an Rd problem) fails the build with status 1;
# tools/check-site.sh then checks what was written.
options(pkgdown.internet = FALSE, warn = 1)
start <- Sys.time()

fail <- function(...) {
  message("site: ", ...)
  quit(status = 1, save = "no")
}

# The installed propgrad runs the examples and vignettes: it must be the
# one these sources describe, or the pages would show another version.
if (!requireNamespace("propgrad", quietly = TRUE)) {
  fail("propgrad is not installed; run `make install` first.")
}
version <- read.dcf("DESCRIPTION", fields = "Version")[1, 1]
installed <- as.character(utils::packageVersion("propgrad"))
exports <- sub("^export\\((.*)\\)$", "\\1",
               grep("^export\\(", readLines("NAMESPACE"), value = TRUE))
stale <- setdiff(exports, getNamespaceExports("propgrad"))
if (installed != version || length(stale) > 0) {
  fail("the installed propgrad (", installed, ", ", find.package("propgrad"),
       ") is not this source tree (", version, "; not exported there: ",
       if (length(stale)) paste(stale, collapse = ", ") else "none",
       "); run `make install` first.")
}
message("site: propgrad ", installed, " from ", find.package("propgrad"),
        if (propgrad::has_torch()) ", with LibTorch" else ", without LibTorch")

# Local copies of what the head template loads. MathJax comes with Debian's
# libjs-mathjax, Font Awesome with the fontawesome R package
# (r-cran-fontawesome; both in tools/setup.sh); only the parts used.
mathjax <- Sys.getenv("PROPGRAD_MATHJAX", "/usr/share/javascript/mathjax")
mathjax_parts <- c("MathJax.js", "config/TeX-AMS_CHTML.js", "extensions",
                   "jax/input/TeX", "jax/element", "jax/output/CommonHTML",
                   "fonts/HTML-CSS/TeX/woff", "localization/en")
fontawesome <- system.file("fontawesome", package = "fontawesome")
fontawesome_parts <- c("css/all.min.css", "css/v4-shims.min.css", "webfonts")
missing <- c(file.path(mathjax, mathjax_parts)[!file.exists(file.path(mathjax, mathjax_parts))],
             if (!nzchar(fontawesome)) "the fontawesome R package")
if (length(missing) > 0) {
  fail("missing ", paste(missing, collapse = ", "),
       " (Debian: apt-get install libjs-mathjax r-cran-fontawesome).")
}

warnings_seen <- character()
built <- withCallingHandlers(
  tryCatch({
    pkgdown::clean_site(".")
    pkgdown::build_site(".", examples = TRUE, install = FALSE, new_process = FALSE,
                        devel = FALSE, preview = FALSE)
    TRUE
  }, error = function(e) {
    message("site: pkgdown failed: ", conditionMessage(e))
    FALSE
  }),
  warning = function(w) {
    warnings_seen <<- c(warnings_seen, conditionMessage(w))
  })
if (!built) fail("the site was not built.")

copy_parts <- function(from, parts, to) {
  for (part in parts) {
    target <- file.path(to, dirname(part))
    dir.create(target, recursive = TRUE, showWarnings = FALSE)
    ok <- file.copy(file.path(from, part), target, recursive = TRUE,
                    copy.date = TRUE)
    if (!all(ok)) fail("could not copy ", file.path(from, part), " to ", target)
  }
}
destination <- yaml::read_yaml("_pkgdown.yml")$destination
copy_parts(mathjax, mathjax_parts, file.path(destination, "mathjax"))
copy_parts(fontawesome, fontawesome_parts, file.path(destination, "fontawesome"))

if (length(warnings_seen) > 0) {
  fail(length(warnings_seen), " warning(s) while building:\n",
       paste0("  ", warnings_seen, collapse = "\n"))
}
message(sprintf("site: built %s/ in %.0f s", destination,
                as.numeric(difftime(Sys.time(), start, units = "secs"))))
