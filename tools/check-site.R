# Checks the pkgdown site `make site` built (Rscript tools/check-site.R [dir]):
# the home page, a reference index with one heading per section of
# _pkgdown.yml and a page for every exported topic, a page for every vignette,
# no errors in the examples, and nothing loaded from the network: every
# script, stylesheet, image and font a page or stylesheet loads must be a
# file inside the site, and no page may name a CDN or Google Fonts. Links
# to other sites (a href, e.g. base R's help on rdrr.io) are only counted:
# a browser fetches them only when they are clicked. Exits with status 1 and
# one line per problem.
args <- commandArgs(trailingOnly = TRUE)
config <- yaml::read_yaml("_pkgdown.yml")
site <- if (length(args) > 0) args[[1]] else config$destination
problems <- character()
problem <- function(...) problems <<- c(problems, paste0(...))

read_page <- function(file) xml2::read_html(file.path(site, file))
texts <- function(page, xpath) trimws(xml2::xml_text(xml2::xml_find_all(page, xpath)))

for (file in c("index.html", "reference/index.html", "articles/index.html")) {
  if (!file.exists(file.path(site, file))) problem("missing ", file)
}
if (length(problems) > 0) {
  message(paste0("check-site: ", problems, collapse = "\n"))
  quit(status = 1, save = "no")
}

# Reference index: every section heading, every exported topic.
reference <- read_page("reference/index.html")
headings <- texts(reference, "//main//h2")
for (title in vapply(config$reference, `[[`, "", "title")) {
  if (!title %in% headings) problem("reference/index.html lacks the section \"", title, "\"")
}
linked <- xml2::xml_attr(xml2::xml_find_all(reference, "//main//a[@href]"), "href")
for (rd in list.files("man", pattern = "\\.Rd$", full.names = TRUE)) {
  parsed <- tools::parse_Rd(rd)
  tags <- vapply(parsed, attr, "", "Rd_tag")
  keywords <- unlist(lapply(parsed[tags == "\\keyword"], as.character))
  if ("internal" %in% trimws(keywords)) next
  page <- sub("\\.Rd$", ".html", basename(rd))  # pkgdown names pages by file
  if (!file.exists(file.path(site, "reference", page))) problem("missing reference/", page)
  if (!page %in% linked) problem("reference/index.html does not list ", basename(rd))
}

# Articles: one page per vignette, all in the index.
articles <- read_page("articles/index.html")
linked <- xml2::xml_attr(xml2::xml_find_all(articles, "//main//a[@href]"), "href")
for (rmd in list.files("vignettes", pattern = "\\.Rmd$")) {
  page <- sub("\\.Rmd$", ".html", rmd)
  if (!file.exists(file.path(site, "articles", page))) problem("missing articles/", page)
  if (!page %in% linked) problem("articles/index.html does not list ", page)
}

# Every page: examples without errors, assets that are files of the site.
pages <- list.files(site, pattern = "\\.html$", recursive = TRUE)
external <- character()
for (file in pages) {
  page <- read_page(file)
  errors <- xml2::xml_find_all(page, "//*[contains(concat(' ', @class, ' '), ' r-err ')]")
  if (length(errors) > 0) {
    problem(file, ": an example failed: ", substr(xml2::xml_text(errors[[1]]), 1, 200))
  }
  # What the browser loads by itself (scripts, stylesheets, icons, images,
  # frames, media), as opposed to links it follows when clicked.
  loaded <- xml2::xml_find_all(page, paste(
    "//script[@src]/@src", "//link[@href]/@href", "//img[@src]/@src",
    "//iframe[@src]/@src", "//source[@src]/@src", "//video[@src]/@src",
    "//audio[@src]/@src", "//embed[@src]/@src", "//object[@data]/@data",
    sep = " | "))
  for (url in xml2::xml_text(loaded)) {
    if (!nzchar(url) || grepl("^(data:|#)", url)) next
    if (grepl("^([a-z]+:|//)", url, ignore.case = TRUE)) {
      problem(file, " loads ", url)
      next
    }
    target <- file.path(site, dirname(file), sub("[?#].*$", "", url))
    if (!file.exists(target)) problem(file, " loads ", url, ", which is not in the site")
  }
  hrefs <- xml2::xml_text(xml2::xml_find_all(page, "//a[@href]/@href"))
  external <- c(external, sub("^(https?://[^/]+).*", "\\1", grep("^https?://", hrefs, value = TRUE)))
}

# Stylesheets may load fonts and other stylesheets too.
for (file in list.files(site, pattern = "\\.css$", recursive = TRUE)) {
  css <- paste(readLines(file.path(site, file), warn = FALSE), collapse = "\n")
  urls <- regmatches(css, gregexpr("(url\\(|@import)\\s*['\"]?[^'\")[:space:];]+", css))[[1]]
  urls <- sub("^(url\\(|@import)\\s*['\"]?", "", urls)
  for (url in urls) {
    if (grepl("^data:|^#", url)) next
    if (grepl("^([a-z]+:|//)", url, ignore.case = TRUE)) problem(file, " loads ", url)
  }
}

# No CDN or Google Fonts in any page or stylesheet, links included. (Not
# scanned: the copied libraries' own .js, e.g. MathJax.js names its old CDN
# in a notice, and loads its parts from its own folder in the site.)
for (file in list.files(site, pattern = "\\.(html|css)$", recursive = TRUE)) {
  text <- paste(readLines(file.path(site, file), warn = FALSE), collapse = "\n")
  found <- unique(regmatches(text, gregexpr(
    "(https?:)?//(cdn[a-z0-9.-]*|[a-z0-9.-]*\\.cdn[a-z0-9.-]*|fonts\\.(googleapis|gstatic)\\.com|oss\\.maxcdn\\.com)[^\"' )]*",
    text, ignore.case = TRUE))[[1]])
  for (url in found) problem(file, " names ", url)
}

if (length(external) > 0) {
  counts <- sort(table(external), decreasing = TRUE)
  message("check-site: links to other sites (followed only when clicked): ",
          paste0(names(counts), " (", counts, ")", collapse = ", "))
}
if (length(problems) > 0) {
  message(paste0("check-site: ", problems, collapse = "\n"))
  quit(status = 1, save = "no")
}
message(sprintf("check-site: %s/ is complete and loads nothing from the network (%d pages)",
                site, length(pages)))
