# The HTML report renders without pandoc errors, is self-contained (figures
# embedded) and carries the study's tables, paragraphs and provenance; in
# headless Chromium names stay text and the page is not blank; bad input is
# refused.

test_that("the report renders a self-contained HTML file with tables and figures", {
  skip_if_not_installed("rmarkdown")
  skip_if_not(rmarkdown::pandoc_available("1.12.3"), "pandoc is not available to render the report")
  tests <- property_test(pg_study, p_cat ~ strength | image + model + property,
                         n_perm = 9999, seed = 1, probs = c("p_cat", "p_dog"))
  file <- file.path(withr::local_tempdir(), "report.html")
  expect_equal(pg_report(tests, file, data = pg_study), normalizePath(file))
  # An existing report is kept unless overwrite = TRUE; nothing else is left behind.
  expect_error(pg_report(tests, file), "already exists", class = "propgrad_error_exists")
  expect_equal(list.files(dirname(file), all.files = TRUE, no.. = TRUE), "report.html")
  html <- paste(readLines(file, warn = FALSE), collapse = "\n")
  # grepl() rather than expect_match(): a failure would print the whole page
  expect_true(grepl("propgrad study report", html, fixed = TRUE))
  expect_true(grepl("Mean EPGM [95% CI]", html, fixed = TRUE))
  # pg_table()'s tinytable, its CSS and JavaScript embedded (no CDN)
  expect_true(grepl("<table class=\"tinytable\"", html, fixed = TRUE))
  expect_false(grepl("cdn.jsdelivr", html, fixed = TRUE))
  expect_false(grepl("<link[^>]+href=\"http", html, perl = TRUE))
  # summary plot, heatmap and the two curves of the first image, embedded
  expect_gte(lengths(regmatches(html, gregexpr("data:image/png;base64", html))), 4)
  expect_false(grepl("<img src=\"http", html, fixed = TRUE))
  # nothing is fetched from the network when the report is opened
  expect_false(grepl("<script[^>]+src=\"http", html, perl = TRUE))
  expect_false(grepl("mathjax", html, ignore.case = TRUE))
})

test_that("the report refuses bad input", {
  expect_error(pg_report(pg_study, tempfile()), class = "propgrad_error_input")
  tests <- property_test(pg_study[pg_study$image == "img01", ],
                         p_cat ~ strength | image + model + property, n_perm = 19, seed = 1,
                         alpha = 0.5)
  expect_error(pg_report(tests, NA_character_), class = "propgrad_error_type")
})

# Issue 12: rmarkdown and pandoc failures reached the user unclassed.
report_tests <- function(data = pg_study[pg_study$image == "img01", ], output = "p_cat") {
  property_test(data, output = output, property = "strength", by = c("image", "model", "property"),
                n_perm = 19, seed = 1, alpha = 0.5)
}

test_that("a folder that cannot be made, or a folder given as the file, is refused before rendering", {
  skip_if_not_installed("rmarkdown")
  skip_if_not(rmarkdown::pandoc_available("1.12.3"), "pandoc is not available to render the report")
  tests <- report_tests()
  base <- withr::local_tempdir()
  file.create(blocker <- file.path(base, "a-file"))
  tidy <- function(x) gsub(normalizePath(base), "<tmp>", x, fixed = TRUE)
  expect_snapshot(pg_report(tests, file.path(blocker, "sub", "report.html")), error = TRUE, cnd_class = TRUE,
                  transform = tidy)
  expect_snapshot(pg_report(tests, base), error = TRUE, cnd_class = TRUE, transform = tidy)
  expect_true(dir.exists(base))
  expect_error(pg_report(tests, file.path(base, "r.html"), title = c("a", "b")),
               class = "propgrad_error_type")
  expect_error(pg_report(tests, file.path(base, "r.html"), data = 1:3), class = "propgrad_error_type")
})

test_that("titles with quotes render, and HTML in names and titles is shown as text", {
  skip_if_not_installed("rmarkdown")
  skip_if_not(rmarkdown::pandoc_available("1.12.3"), "pandoc is not available to render the report")
  base <- withr::local_tempdir()
  quoted <- file.path(base, "quoted.html")
  pg_report(report_tests(), quoted, title = "Cats \"vs\" dogs: a \\ study\n---")
  html <- paste(readLines(quoted, warn = FALSE), collapse = "\n")
  # (pandoc still reads the title as Markdown: smart quotes, dashes)
  expect_true(grepl("<title>Cats .vs. dogs: a", html))
  d <- pg_study[pg_study$image == "img01", ]
  names(d)[names(d) == "p_cat"] <- "<img src=x>"
  d$model <- sub("dark_dogs_bias", "<img src=y>", as.character(d$model))
  # Names are text: escaped in the settings, tables and title, never markup.
  res <- pg_report(report_tests(d, "<img src=x>"), file.path(base, "html.html"), data = d,
                   title = "<script>alert(1)</script> study")
  html <- paste(readLines(res, warn = FALSE), collapse = "\n")
  expect_false(grepl("<img src=x>", html, fixed = TRUE))
  expect_false(grepl("<img src=y>", html, fixed = TRUE))
  expect_false(grepl("<script>alert", html, fixed = TRUE))
  expect_true(grepl("&lt;img src=x&gt;", html, fixed = TRUE))
  expect_true(grepl("&lt;script&gt;alert(1)&lt;/script&gt; study", html, fixed = TRUE))
})

# Issue 13: seed defaulted to 1, unlike every other verb.
test_that("the bootstrap seed defaults to NULL: drawn from R's RNG, and stated in the report", {
  expect_null(formals(pg_report)$seed)
  expect_error(pg_report(report_tests(), tempfile(fileext = ".html"), seed = -1),
               class = "propgrad_error_number")
  skip_if_not_installed("rmarkdown")
  skip_if_not(rmarkdown::pandoc_available("1.12.3"), "pandoc is not available to render the report")
  tests <- report_tests()
  base <- withr::local_tempdir()
  seed_in <- function(file, r_seed, ...) {
    withr::with_seed(r_seed, pg_report(tests, file.path(base, file), ...))
    html <- paste(readLines(file.path(base, file), warn = FALSE), collapse = "\n")
    sub(".*bootstrap seed ([0-9]+).*", "\\1", html)
  }
  drawn <- seed_in("a.html", 3)
  expect_match(drawn, "^[0-9]+$")
  expect_equal(seed_in("b.html", 3), drawn)
  expect_false(identical(seed_in("c.html", 4), drawn))
  expect_equal(seed_in("d.html", 4, seed = 12), "12")
})

test_that("the provenance block always shows versions and seeds; explain()'s record is escaped", {
  skip_if_not_installed("rmarkdown")
  skip_if_not(rmarkdown::pandoc_available("1.12.3"), "pandoc is not available to render the report")
  tests <- property_test(pg_study, p_cat ~ strength | image + model + property,
                         n_perm = 4999, seed = 11, probs = c("p_cat", "p_dog"))
  version <- as.character(packageVersion("propgrad"))
  cell <- function(item, value) sprintf("%s\\s*</td>\\s*<td[^>]*>\\s*%s", item, value)
  file <- file.path(withr::local_tempdir(), "plain.html")
  suppressWarnings(pg_report(tests, file, seed = 5))
  html <- paste(readLines(file, warn = FALSE), collapse = "\n")
  # Tests from a plain data frame: no explain() record, yet versions and seeds.
  expect_true(grepl("Provenance", html, fixed = TRUE))
  expect_true(grepl(cell("propgrad version", version), html, perl = TRUE))
  expect_true(grepl(cell("R version", paste(R.version$major, R.version$minor, sep = ".")), html, perl = TRUE))
  expect_true(grepl(cell("shuffle seed", "11"), html, perl = TRUE))
  expect_true(grepl(cell("bootstrap seed \\(study summary\\)", "5"), html, perl = TRUE))
  attr(tests, "provenance") <- propgrad:::new_provenance(
    models = data.frame(model = "<b>m</b>", file = "/models/m.pt", sha256 = strrep("ab", 32),
                        device = "cpu", dtype = "float32"),
    seed = 7)
  file <- file.path(withr::local_tempdir(), "prov.html")
  suppressWarnings(pg_report(tests, file))
  html <- paste(readLines(file, warn = FALSE), collapse = "\n")
  expect_true(grepl("Provenance", html, fixed = TRUE))
  expect_true(grepl(strrep("ab", 32), html, fixed = TRUE))
  expect_true(grepl("model &lt;b&gt;m&lt;/b&gt;", html, fixed = TRUE))
  expect_true(grepl(cell("propgrad version", version), html, perl = TRUE))
  expect_true(grepl(cell("shuffle seed", "7"), html, perl = TRUE))
})

# Issue 14: what a reader's browser makes of the report. Headless Chromium
# runs the page's scripts: injected markup in a title or series name would
# show up as elements in the DOM it dumps, or change the document's title.
find_chromium <- function() {
  found <- Sys.which(c("chromium", "chromium-browser", "google-chrome"))
  found[nzchar(found)][1]
}

run_chromium <- function(browser, ...) {
  # --no-sandbox: Chromium refuses to run as root (containers, CI) without it.
  suppressWarnings(system2(browser, c("--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", ...),
                           stdout = TRUE, stderr = FALSE, timeout = 60))
}

test_that("in a browser the report shows injected markup as text, with methods, provenance and TOC", {
  skip_on_cran()
  skip_if_not_installed("rmarkdown")
  skip_if_not_installed("png")
  skip_if_not(rmarkdown::pandoc_available("1.12.3"), "pandoc is not available to render the report")
  browser <- find_chromium()
  skip_if(is.na(browser), "chromium is not installed")
  script <- "<script>document.title='pwned'</script>"
  img <- "<img src=x onerror=alert(1)>"
  d <- pg_study[pg_study$image == "img01", ]
  d$model <- sub("dark_dogs_bias", script, sub("dark_cats_bias", img, as.character(d$model)))
  file <- file.path(withr::local_tempdir(), "report.html")
  pg_report(report_tests(d), file, data = d, title = paste("Study", script, img), seed = 1)
  url <- paste0("file://", normalizePath(file))

  # (pandoc wraps lines: compare text with single spaces)
  dom <- gsub("\\s+", " ", paste(run_chromium(browser, "--dump-dom", url), collapse = "\n"))
  expect_true(grepl("</html>", dom, fixed = TRUE))
  # No element came from the injected names: every <script> is the page's
  # own, no <img> has src=x or an onerror handler, and the title stands.
  scripts <- regmatches(dom, gregexpr("(?s)<script[^>]*>.*?</script>", dom, perl = TRUE))[[1]]
  expect_false(any(grepl("pwned", scripts, fixed = TRUE)))
  imgs <- regmatches(dom, gregexpr("<img[^>]*>", dom))[[1]]
  expect_false(any(grepl("onerror|src=\"x\"", imgs)))
  expect_false(grepl("<title>pwned</title>", dom, fixed = TRUE))
  expect_true(grepl("<title>Study &lt;script&gt;document.title=", dom, fixed = TRUE))
  # ... and the names are there, as text.
  expect_true(grepl("&lt;img src=x onerror=alert(1)&gt;", dom, fixed = TRUE))
  # Table of contents with links to the sections, the methods paragraph
  # with its references, and the provenance block.
  toc <- regmatches(dom, regexpr("(?s)<div id=\"TOC\">.*?</div>", dom, perl = TRUE))
  expect_length(toc, 1)
  for (section in c("#results", "#methods", "#provenance")) {
    expect_true(grepl(sprintf("href=\"%s\"", section), toc, fixed = TRUE), label = section)
  }
  methods <- regmatches(dom, regexpr("(?s)<div id=\"methods\".*?<div id=\"provenance\"", dom, perl = TRUE))
  expect_length(methods, 1)
  expect_true(grepl("We tested 6 series", methods, fixed = TRUE))
  expect_true(grepl("Phipson B, Smyth GK (2010)", methods, fixed = TRUE))
  expect_true(grepl("<table[^>]*id=\"provenance-table\"", dom, perl = TRUE))

  png_file <- file.path(dirname(file), "report.png")
  run_chromium(browser, paste0("--screenshot=", png_file), "--window-size=1000,1400", url)
  expect_true(file.exists(png_file))
  shot <- png::readPNG(png_file)
  expect_equal(dim(shot)[2], 1000)
  expect_equal(dim(shot)[1], 1400)
  # Not blank: text, tables and figures make the pixels vary.
  expect_gt(stats::var(as.vector(shot[, , 1:3])), 0.005)
})
