# Model files LibTorch cannot read because a newer PyTorch saved them, and
# the R torch package's LibTorch loaded beside propgrad's.

test_that("a file format newer than LibTorch reads gets a classed error naming both versions", {
  skip_without_torch()
  skip_if(Sys.which("zip") == "", "needs the zip program")
  f <- script_model("def forward(self, x):\n    return x.mean(dim=[1, 2, 3]).unsqueeze(1)")
  dir <- withr::local_tempdir()
  utils::unzip(f, exdir = dir)
  version_file <- list.files(dir, "^version$", recursive = TRUE, full.names = TRUE)
  expect_length(version_file, 1)
  writeLines("99", version_file)
  newer <- withr::local_tempfile(fileext = ".pt")
  withr::with_dir(dir, utils::zip(newer, list.files(".", recursive = TRUE), flags = "-q -0"))
  e <- expect_error(torch_model(newer, "cpu"), class = "propgrad_error_torch_model_version")
  expect_match(conditionMessage(e), "file format 99", fixed = TRUE)
  expect_match(conditionMessage(e), paste("LibTorch", torch_info()$version), fixed = TRUE)
  expect_match(conditionMessage(e), "LIBTORCH_HOME", fixed = TRUE)
  # The unmodified archive still loads: the error is about the version only.
  expect_s3_class(torch_model(f, "cpu"), "propgrad_torch_model")
})

test_that("the R torch package loaded in the session is refused before any torch call", {
  skip_without_torch()
  f <- script_model("def forward(self, x):\n    return x.mean(dim=[1, 2, 3]).unsqueeze(1)")
  real <- propgrad:::r_torch_loaded
  utils::assignInNamespace("r_torch_loaded", function() TRUE, "propgrad")
  withr::defer(utils::assignInNamespace("r_torch_loaded", real, "propgrad"))
  expect_snapshot(torch_model(f, "cpu"), error = TRUE, transform = function(x) gsub("/[^ ]*\\.pt", "<file>", x))
  expect_error(torch_info(), class = "propgrad_error_torch_conflict")
})
