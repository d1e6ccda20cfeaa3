# Shared by the tests of pg_methods() and pg_results() (test-paragraphs.R,
# test-paragraph_methods.R, test-paragraph_text.R).

paragraph_formula <- p_cat ~ strength | image + model + property
paragraph_study <- function(...) property_test(pg_study, paragraph_formula, seed = 1, ...)
# Versions differ between machines; the snapshots keep the sentence.
no_versions <- function(x) gsub("propgrad [0-9.]+ \\(R [0-9.]+", "propgrad <version> (R <version>", x)
# The paragraph without its references, as sentences.
sentences <- function(x) {
  text <- strsplit(unclass(x), "\n\n", fixed = TRUE)[[1]][1]
  strsplit(text, "(?<=[.]) (?=[A-Z])", perl = TRUE)[[1]]
}
changed <- function(a, b) setdiff(sentences(a), sentences(b))
references <- function(x) sub(".*References\\**\n+", "", unclass(x))

