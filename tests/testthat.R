# Runs the package's testthat suite under R CMD check.
library(testthat)
library(propgrad)

test_check("propgrad")
