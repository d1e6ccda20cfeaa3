# The writing side of pg_methods() and pg_results(): a writer that knows
# whether it writes plain text or Markdown (italic symbols, user names
# escaped so that a column or model name can never become markup or HTML)
# and collects the works it cites; the references; numbers formatted as in
# journal text (significant digits, "< 0.001", thousands separators); and
# the propgrad_paragraph class with its wrapping print method.

paragraph_references <- list(
  benjamini_hochberg = list("Benjamini and Hochberg", 1995, "Benjamini Y, Hochberg Y (1995). Controlling the false discovery rate: a practical and powerful approach to multiple testing. Journal of the Royal Statistical Society B 57(1), 289-300."),
  benjamini_yekutieli = list("Benjamini and Yekutieli", 2001, "Benjamini Y, Yekutieli D (2001). The control of the false discovery rate in multiple testing under dependency. The Annals of Statistics 29(4), 1165-1188."),
  besag = list("Besag and Clifford", 1991, "Besag J, Clifford P (1991). Sequential Monte Carlo p-values. Biometrika 78(2), 301-304."),
  clopper = list("Clopper and Pearson", 1934, "Clopper CJ, Pearson ES (1934). The use of confidence or fiducial limits illustrated in the case of the binomial. Biometrika 26(4), 404-413."),
  efron = list("Efron and Tibshirani", 1993, "Efron B, Tibshirani RJ (1993). An Introduction to the Bootstrap. Chapman & Hall, New York."),
  gandy = list("Gandy and Hahn", 2014, "Gandy A, Hahn G (2014). MMCTest - a safe algorithm for implementing multiple Monte Carlo tests. Scandinavian Journal of Statistics 41(4), 1083-1101."),
  hemerik = list("Hemerik and Goeman", 2018, "Hemerik J, Goeman JJ (2018). Exact testing with random permutations. TEST 27(4), 811-825."),
  hesterberg = list("Hesterberg", 2015, "Hesterberg TC (2015). What teachers should know about the bootstrap: resampling in the undergraduate statistics curriculum. The American Statistician 69(4), 371-386."),
  hochberg = list("Hochberg", 1988, "Hochberg Y (1988). A sharper Bonferroni procedure for multiple tests of significance. Biometrika 75(4), 800-802."),
  holm = list("Holm", 1979, "Holm S (1979). A simple sequentially rejective multiple test procedure. Scandinavian Journal of Statistics 6(2), 65-70."),
  hommel = list("Hommel", 1988, "Hommel G (1988). A stagewise rejective multiple test procedure based on a modified Bonferroni test. Biometrika 75(2), 383-386."),
  kraskov = list("Kraskov et al.", 2004, "Kraskov A, Stoegbauer H, Grassberger P (2004). Estimating mutual information. Physical Review E 69(6), 066138."),
  penzel = list("Penzel and Denzler", 2026, "Penzel N, Denzler J (2026). Locally explaining prediction behavior via gradual interventions and measuring property gradients. IEEE/CVF Winter Conference on Applications of Computer Vision (WACV). arXiv:2503.05424."),
  phipson = list("Phipson and Smyth", 2010, "Phipson B, Smyth GK (2010). Permutation p-values should never be zero: calculating exact p-values when permutations are randomly drawn. Statistical Applications in Genetics and Molecular Biology 9(1), 39."),
  savitzky = list("Savitzky and Golay", 1964, "Savitzky A, Golay MJE (1964). Smoothing and differentiation of data by simplified least squares procedures. Analytical Chemistry 36(8), 1627-1639."),
  westfall = list("Westfall and Young", 1993, "Westfall PH, Young SS (1993). Resampling-Based Multiple Testing: Examples and Methods for p-Value Adjustment. Wiley, New York.")
)

# The writer of one paragraph: its format, and the keys it has cited.
paragraph_writer <- function(format) {
  md <- format == "markdown"
  cited <- character()
  list(
    format = format,
    em = function(x) if (md) paste0("*", x, "*") else x,
    alpha = function() if (md) "*\u03b1*" else "alpha",
    name = function(x) if (md) md_escape(x) else x,
    cite = function(keys, narrative = FALSE) {
      cited <<- union(cited, keys)
      refs <- paragraph_references[keys]
      if (narrative) {
        paste(vapply(refs, function(r) sprintf("%s (%d)", r[[1]], r[[2]]), ""), collapse = " and ")
      } else {
        paste(vapply(refs, function(r) sprintf("%s %d", r[[1]], r[[2]]), ""), collapse = "; ")
      }
    },
    cited = function() cited)
}

# Every character that Markdown (pandoc's or CommonMark) or HTML could read
# as markup, escaped with a backslash so that it prints as itself.
md_escape <- function(x) gsub("([][\\\\`*_{}<>&#|~^$@!-])", "\\\\\\1", x)

new_paragraph <- function(text, w, references = TRUE) {
  if (w$format == "markdown") text <- gsub("(^|[ (])p-value", "\\1*p*-value", text)
  keys <- w$cited()
  if (references && length(keys)) {
    refs <- vapply(paragraph_references[keys], `[[`, "", 3)
    refs <- refs[order(refs)]
    if (w$format == "markdown") {
      refs <- gsub("(^|[ (])p-value", "\\1*p*-value", refs)
      text <- paste0(text, "\n\n**References**\n\n", paste0("- ", refs, collapse = "\n"))
    } else {
      text <- paste0(text, "\n\nReferences\n", paste(refs, collapse = "\n"))
    }
  }
  structure(text, format = w$format, class = c("propgrad_paragraph", "character"))
}

#' @export
format.propgrad_paragraph <- function(x, width = getOption("width"), ...) {
  lines <- strsplit(unclass(x)[1], "\n", fixed = TRUE)[[1]]
  # References and list items hang: their continuation lines are indented.
  hang <- grepl("^- ", lines) | cumsum(lines %in% c("References", "**References**")) > 0
  unlist(lapply(seq_along(lines), function(i) {
    if (!nzchar(lines[i])) return("")
    strwrap(lines[i], width = max(20, width - 1), exdent = if (hang[i]) 2 else 0)
  }))
}

#' @export
print.propgrad_paragraph <- function(x, width = getOption("width"), ...) {
  cat(format(x, width = width), sep = "\n")
  invisible(x)
}

# ---- words and numbers -----------------------------------------------

and_list <- function(x) {
  n <- length(x)
  if (n <= 1) return(paste(x, collapse = ""))
  if (n == 2) return(paste(x, collapse = " and "))
  paste0(paste(x[-n], collapse = ", "), ", and ", x[n])
}

capitalise <- function(x) paste0(toupper(substr(x, 1, 1)), substr(x, 2, nchar(x)))

# A level as a percentage: 95, 99, 99.9.
format_pct <- function(x) format(100 * x, digits = 6, trim = TRUE)

format_count <- function(x) formatC(x, format = "d", big.mark = ",")

# Three significant digits; scientific only for very small or large values.
format_num <- function(x, digits = 3) {
  vapply(x, function(v) {
    if (is.na(v)) return("NA")
    if (v == 0) return("0")
    if (abs(v) < 1e-4 || abs(v) >= 1e7) return(formatC(v, digits = digits - 1, format = "e"))
    format_fixed(v, decimals_for(v, digits))
  }, "")
}

# Decimals that show `digits` significant digits of x; an interval is
# printed with the decimals of its estimate.
decimals_for <- function(x, digits = 3) {
  if (!is.finite(x) || x == 0) return(digits - 1)
  max(0, min(12, digits - 1 - floor(log10(abs(signif(x, digits))))))
}


# A p-value in a sentence: "< 0.001", else "= " and the figures' and
# tables' three decimals (format_p_journal(), R/plot_scales.R).
format_p_text <- function(p) {
  text <- format_p_journal(p)
  if (startsWith(text, "<")) text else paste("=", text)
}
