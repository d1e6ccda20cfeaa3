# Publication tables, how they are rendered and written: every result type
# in every format as a tinytable and a file; LaTeX that compiles with
# pdflatex and reads back as the user's text; HTML without markup from user
# strings and without network links; Word cells through pandoc; Markdown that
# pandoc reads as the same text; Typst when typst is installed; the escape
# functions; safe writes (existing files, extensions, pandoc missing).

out_tests <- property_test(pg_study, p_cat ~ strength | image + model + property,
                           n_perm = 9999, seed = 1, probs = c("p_cat", "p_dog"))

# Names that break each format when they are not escaped (issue 14).
nasty_labels <- c("x^2 a~b {} \\ 50% a_b & #1 $5", "<script>alert(1)</script> <img src=x>")
nasty_column <- "x^2 <i>"
nasty_caption <- "Caption x^2 a~b <b>bold</b> 5% #"
nasty_tests <- local({
  d <- pg_study[pg_study$image %in% c("img01", "img02") & pg_study$model == "unbiased", ]
  d$image <- ifelse(d$image == "img01", nasty_labels[1], nasty_labels[2])
  d[[nasty_column]] <- d$property
  suppressWarnings(property_test(d, output = "p_cat", property = "strength",
                                 by = c("image", nasty_column), n_perm = 99, seed = 1))
})

all_results <- function() {
  list(tests = out_tests[out_tests$image %in% c("img01", "img05"), ],
       summary = summary(out_tests, seed = 1),
       comparison = compare_models(out_tests, c("unbiased", "dark_cats_bias"), seed = 1),
       flip_prediction = flip_prediction(out_tests, score = c("estimate", "z")),
       flip_correlation = flip_correlation(out_tests, by = "property", block = "image", seed = 1),
       nasty = nasty_tests)
}

test_that("every result type in every format is a tinytable and a file", {
  dir <- withr::local_tempdir()
  ext <- c(markdown = "md", latex = "tex", html = "html", typst = "typ", docx = "docx")
  formats <- names(ext)
  if (!propgrad:::pandoc_ready()) formats <- setdiff(formats, "docx")
  results <- all_results()
  for (type in names(results)) {
    for (format in formats) {
      file <- file.path(dir, paste0(type, ".", ext[[format]]))
      expect_invisible(tab <- pg_table(results[[type]], format, file = file, caption = nasty_caption))
      expect_s4_class(tab, "tinytable")
      expect_gt(file.size(file), 200)
      if (format != "docx") expect_s4_class(pg_table(results[[type]], format), "tinytable")
    }
  }
  expect_setequal(list.files(dir, all.files = TRUE, no.. = TRUE),
                  as.vector(outer(names(results), ext[formats], paste, sep = ".")))
  # The table prints in the format it was made for (Markdown by default).
  expect_output(print(pg_table(results$tests)), "| Image | Model", fixed = TRUE)
  expect_output(print(pg_table(results$tests, "latex")), "\\begin{talltblr}", fixed = TRUE)
  expect_output(print(pg_table(results$tests, "typst")), "#figure(", fixed = TRUE)
  # and renders in every other format on request
  expect_match(tinytable::save_tt(pg_table(results$tests), "latex"), "dark\\_cats\\_bias", fixed = TRUE)
})

test_that("LaTeX compiles with pdflatex and reads back as the names", {
  pdflatex <- Sys.which("pdflatex")
  skip_if(!nzchar(pdflatex), "pdflatex is not installed (tools/setup.sh installs it)")
  packages <- sub(".*\\{(.*)\\}.*", "\\1", grep("usepackage", propgrad::pg_latex_preamble(), value = TRUE))
  found <- nzchar(vapply(paste0(packages, ".sty"), function(p) {
    suppressWarnings(paste(system2("kpsewhich", p, stdout = TRUE), collapse = ""))
  }, ""))
  skip_if(!all(found), paste("LaTeX packages missing:", paste(packages[!found], collapse = ", ")))
  dir <- withr::local_tempdir()
  tables <- vapply(all_results(), function(x) tinytable::save_tt(pg_table(x, "latex", caption = nasty_caption), "latex"), "")
  compile <- function(name, fonts) {
    writeLines(c("\\documentclass{article}", fonts, propgrad::pg_latex_preamble(), "\\begin{document}",
                 tables, "\\end{document}"), file.path(dir, paste0(name, ".tex")))
    log <- withr::with_dir(dir, system2(pdflatex, c("-interaction=nonstopmode", "-halt-on-error",
                                                    paste0(name, ".tex")), stdout = TRUE, stderr = TRUE))
    expect_null(attr(log, "status"))
    expect_false(any(grepl("^! ", log)), label = paste(grep("^! ", log, value = TRUE), collapse = "\n"))
    file.path(dir, paste0(name, ".pdf"))
  }
  # LaTeX's default font encoding (OT1): it compiles.
  expect_true(file.exists(compile("ot1", NULL)))
  # With T1 fonts, _ ^ ~ < > are glyphs that read back as text.
  skip_if(!nzchar(Sys.which("pdftotext")), "pdftotext (poppler-utils) is not installed")
  skip_if(!nzchar(suppressWarnings(paste(system2("kpsewhich", "mathptmx.sty", stdout = TRUE), collapse = ""))),
          "mathptmx.sty is not installed")
  pdf <- compile("t1", c("\\usepackage[T1]{fontenc}", "\\usepackage{mathptmx}"))
  text <- paste(system2("pdftotext", c(shQuote(pdf), "-"), stdout = TRUE), collapse = " ")
  text <- gsub("\\s+", " ", gsub("\u2212", "-", text))
  for (s in c(nasty_labels, "X^2 <i>", "Caption x^2 a~b <b>bold</b> 5% #", "dark_cats_bias", "< 0.001",
              "0.005*", "Phipson & Smyth 2010", "Spearman")) {
    expect_true(grepl(s, text, fixed = TRUE), label = s)
  }
  # Negative z values keep their minus sign.
  expect_match(text, "-[0-9]+\\.[0-9]{2} ")
})

test_that("HTML shows names as text and fetches nothing from the network", {
  html <- tinytable::save_tt(pg_table(nasty_tests, "html", caption = nasty_caption), "html")
  expect_false(grepl("<script>alert", html, fixed = TRUE))
  expect_false(grepl("<img src=x", html, fixed = TRUE))
  expect_false(grepl("<b>bold", html, fixed = TRUE))
  expect_false(grepl("<i>", html, fixed = TRUE))
  expect_true(grepl("&lt;script&gt;alert(1)&lt;/script&gt; &lt;img src=x&gt;", html, fixed = TRUE))
  expect_true(grepl("<caption>Caption x^2 a~b &lt;b&gt;bold&lt;/b&gt; 5% #</caption>", html, fixed = TRUE))
  expect_false(grepl("<(script|link|img)[^>]+(src|href)=\"?https?:", html, perl = TRUE))
  expect_false(grepl("cdn.jsdelivr", html, fixed = TRUE))
  # its own CSS and JavaScript are embedded instead
  expect_true(grepl(".tinytable {", html, fixed = TRUE))
  expect_true(grepl("<div class=\"tinytable-container\">", html, fixed = TRUE))
})

test_that("Markdown keeps its grid and pandoc reads the names back as text", {
  md <- tinytable::save_tt(pg_table(nasty_tests, caption = nasty_caption), "markdown")
  lines <- strsplit(md, "\n", fixed = TRUE)[[1]]
  grid <- lines[grepl("^[+|]", lines)]
  expect_equal(length(unique(nchar(grid))), 1)
  expect_equal(sum(grepl("^\\|", grid)), 5)
  expect_match(md, "\\<script>alert(1)\\</script> \\<img src=x>", fixed = TRUE)
  skip_if_not(propgrad:::pandoc_ready(), "pandoc is not available")
  src <- withr::local_tempfile(fileext = ".md")
  writeLines(md, src)
  html <- paste(system2(rmarkdown::pandoc_exec(), c("-f", "markdown", "-t", "html", shQuote(src)), stdout = TRUE),
                collapse = " ")
  expect_false(grepl("<script>|<img|<b>|<i>|<sup>|<sub>", html))
  cells <- gsub("<[^>]+>", "", regmatches(html, gregexpr("<t[dh][^>]*>[^<]*</t[dh]>", html))[[1]])
  decode <- function(x) gsub("&amp;", "&", gsub("&gt;", ">", gsub("&lt;", "<", x)))
  expect_true(all(nasty_labels %in% decode(cells)))
  expect_true("X^2 &lt;i&gt;" %in% cells)
  expect_true(grepl("<caption>Caption x^2 a~b &lt;b&gt;bold&lt;/b&gt; 5% #</caption>", html, fixed = TRUE))
  expect_true(grepl("<p>Shuffle test of the EPGM", html, fixed = TRUE))
})

test_that("Word tables are written by pandoc with the p-values and names in their cells", {
  skip_if_not(propgrad:::pandoc_ready(), "pandoc is not available")
  dir <- withr::local_tempdir()
  docx_text <- function(x, name) {
    file <- file.path(dir, paste0(name, ".docx"))
    pg_table(x, "docx", file = file)
    xml_file <- utils::unzip(file, "word/document.xml", exdir = file.path(dir, name))
    xml <- paste(readLines(xml_file, warn = FALSE, encoding = "UTF-8"), collapse = "")
    runs <- regmatches(xml, gregexpr("<w:t[^>]*>[^<]*</w:t>", xml))[[1]]
    gsub("&amp;", "&", gsub("&gt;", ">", gsub("&lt;", "<", gsub("<[^>]+>", "", runs))))
  }
  expect_true(all(nasty_labels %in% docx_text(nasty_tests, "nasty")))
  text <- docx_text(out_tests[out_tests$image == "img01", ], "tests")
  expect_true("< 0.001" %in% text)
  expect_true("dark_cats_bias" %in% text)
  expect_true(any(grepl("^0\\.0[0-9]+\\*$", text)))
  expect_true(any(grepl("Phipson & Smyth 2010", text, fixed = TRUE)))
})

# The typst CLI, or tools/typst/typst (typst.ts from npm, which
# tools/setup.sh installs) in a source checkout; "" when neither is there.
typst_compiler <- function() {
  if (nzchar(Sys.which("typst"))) return(Sys.which("typst"))
  wrapper <- normalizePath(test_path("..", "..", "tools", "typst", "typst"), mustWork = FALSE)
  binding <- file.path(dirname(wrapper), "node_modules", "@myriaddreamin", "typst-ts-node-compiler")
  if (file.exists(wrapper) && dir.exists(binding) && nzchar(Sys.which("node"))) wrapper else ""
}

test_that("Typst output compiles", {
  typst <- typst_compiler()
  skip_if(!nzchar(typst), "neither typst nor tools/typst (npm) is installed")
  dir <- withr::local_tempdir()
  for (type in c("nasty", "summary", "flip_correlation")) {
    typ <- file.path(dir, paste0(type, ".typ"))
    pg_table(all_results()[[type]], "typst", file = typ, caption = nasty_caption)
    pdf <- sub("typ$", "pdf", typ)
    out <- suppressWarnings(system2(typst, c("compile", shQuote(typ), shQuote(pdf)), stdout = TRUE, stderr = TRUE))
    expect_null(attr(out, "status"), label = paste(type, paste(out, collapse = "\n")))
    expect_gt(file.size(pdf), 1000)
  }
})

test_that("the escape functions make each format's special characters text", {
  # Issue 14: a series named x^2 stopped pdflatex; a~b printed as "a b".
  expect_equal(propgrad:::latex_escape("x^2 {a} a~b \\ 5%"),
               "x\\textasciicircum{}2 \\{a\\} a\\textasciitilde{}b \\textbackslash{} 5\\%")
  expect_equal(propgrad:::latex_escape("a_b < 0.01 & 5% $x$ | p >= 1"),
               "a\\_b $<$ 0.01 \\& 5\\% \\$x\\$ \\textbar{} p $\\geq$ 1")
  expect_equal(propgrad:::latex_cell(c("-1.25", "[-0.04, 0.11]", "[x]", "a-b")),
               c("$-$1.25", "{[}$-$0.04, 0.11]", "{[}x]", "a-b"))
  expect_equal(propgrad:::html_escape("<img src=x> & co"), "&lt;img src=x&gt; &amp; co")
  expect_equal(propgrad:::markdown_escape(c("x^2 a~b", "<img src=x>", "dark_cats_bias", "_a_ *b*",
                                            "0.0048*", "< 0.001", "[a](b) @c $d$", "# h", "- item",
                                            "1. one", "a--b", "`c` \\ &amp;")),
               c("x\\^2 a\\~b", "\\<img src=x>", "dark_cats_bias", "\\_a\\_ \\*b*", "0.0048*",
                 "< 0.001", "[a\\](b) \\@c \\$d\\$", "\\# h", "\\- item", "1\\. one", "a-\\-b",
                 "\\`c\\` \\\\ \\&amp;"))
  expect_equal(propgrad:::typst_escape(c("<img src=x> #a $b$ [c] @d", "-1.5 a-b")),
               c("\\<img src\\=x\\> \\#a \\$b\\$ \\[c\\] \\@d", "-1.5 a\\-b"))
})

test_that("tables are written safely: no overwrite, the extension of the format, pandoc for Word", {
  dir <- withr::local_tempdir()
  file <- file.path(dir, "t.tex")
  x <- out_tests[1:3, ]
  pg_table(x, "latex", file = file)
  before <- readLines(file)
  expect_error(pg_table(x, "latex", file = file, caption = "new"), class = "propgrad_error_exists")
  expect_equal(readLines(file), before)
  pg_table(x, "latex", file = file, caption = "new", overwrite = TRUE)
  expect_true(any(grepl("caption={new}", readLines(file), fixed = TRUE)))
  expect_snapshot(error = TRUE, cnd_class = TRUE, pg_table(x, "html", file = "table.tex"))
  expect_error(pg_table(x, "markdown", file = file.path(dir, "t.markdown")), class = "propgrad_error_incompatible")
  expect_snapshot(error = TRUE, cnd_class = TRUE, pg_table(x, "docx"))
  expect_error(pg_table(x, "latex", file = c("a.tex", "b.tex")), class = "propgrad_error_type")
  expect_error(pg_table(x, "latex", file = file.path(dir, "no", "t.tex")), class = "propgrad_error_file")
  expect_equal(list.files(dir, all.files = TRUE, no.. = TRUE), "t.tex")
  # Without pandoc a Word table is refused before anything is written.
  skip_if_not_installed("callr")
  skip_if(!nzchar(system.file(package = "propgrad")), "propgrad is not installed for a child process")
  err <- callr::r(function(x, file) {
    utils::assignInNamespace("pandoc_ready", function() FALSE, "propgrad")
    tryCatch(propgrad::pg_table(x, "docx", file = file), error = function(e) class(e))
  }, list(x, file.path(dir, "t.docx")), libpath = .libPaths())
  expect_true("propgrad_error_pandoc" %in% err)
  expect_false(file.exists(file.path(dir, "t.docx")))
})

test_that("the LaTeX preamble lists what tinytable documents", {
  preamble <- pg_latex_preamble()
  expect_true(all(c("\\usepackage{tabularray}", "\\usepackage{float}", "\\usepackage[normalem]{ulem}",
                    "\\UseTblrLibrary{siunitx}") %in% preamble))
  rd <- tools::Rd_db("tinytable")[["tt.Rd"]]
  skip_if(is.null(rd), "tinytable's help is not installed")
  text <- paste(capture.output(tools::Rd2txt(rd, options = list(underline_titles = FALSE))), collapse = "\n")
  documented <- trimws(regmatches(text, gregexpr("\\\\(usepackage|UseTblrLibrary|newcommand|NewTableCommand)[^\n]*",
                                                 text))[[1]])
  skip_if(length(documented) == 0, "tinytable's help lists no preamble")
  expect_setequal(preamble, documented)
})
