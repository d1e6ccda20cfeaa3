# Issue 12: every exported verb called without an argument it needs says
# which one, with class propgrad_error_missing, instead of R's unclassed
# "argument is missing, with no default" from somewhere inside it.

test_that("each verb names its first missing required argument", {
  img <- array(0.5, c(4, 4, 3))
  iv <- intervention("brightness", c(0.5, 1, 1.5))
  cases <- list(
    epgm = list(quote(epgm()), "y"),
    property_test = list(quote(property_test()), "data"),
    property_test_output = list(quote(property_test(pg_study)), "output"),
    compare_models = list(quote(compare_models()), "tests"),
    property_gradient = list(quote(property_gradient()), "y"),
    shuffle_test = list(quote(shuffle_test()), "y"),
    prediction_flips = list(quote(prediction_flips()), "probs"),
    flip_prediction = list(quote(flip_prediction()), "data"),
    flip_correlation = list(quote(flip_correlation()), "data"),
    pg_table = list(quote(pg_table()), "x"),
    plot_dynamics = list(quote(plot_dynamics()), "tests"),
    plot_curves = list(quote(plot_curves()), "data"),
    plot_image_strip = list(quote(plot_image_strip()), "images"),
    pg_report = list(quote(pg_report()), "tests"),
    pg_report_file = list(quote(pg_report(pg_study)), "file"),
    pg_methods = list(quote(pg_methods()), "x"),
    pg_results = list(quote(pg_results()), "x"),
    intervention = list(quote(intervention()), "kind"),
    intervention_strengths = list(quote(intervention("brightness")), "strengths"),
    intervene = list(quote(intervene()), "image"),
    intervene_intervention = list(quote(intervene(img)), "intervention"),
    external_editor = list(quote(external_editor()), "command"),
    external_editor_strengths = list(quote(external_editor("e {input} {strength} {output}")), "strengths"),
    edited_images = list(quote(edited_images()), "folder"),
    edited_images_strengths = list(quote(edited_images(tempdir())), "strengths"),
    explain = list(quote(explain()), "images"),
    explain_models = list(quote(explain(img, iv)), "models"),
    torch_model = list(quote(torch_model()), "path"),
    torch_editor = list(quote(torch_editor()), "path"),
    torch_script_model = list(quote(torch_script_model()), "code")
  )
  for (name in names(cases)) {
    err <- tryCatch(eval(cases[[name]][[1]]), error = identity)
    expect_s3_class(err, "propgrad_error_missing")
    expect_match(conditionMessage(err), paste0("`", cases[[name]][[2]], "` is missing"), fixed = TRUE,
                 info = name)
  }
  # Arguments with defaults, or given, are not reported missing.
  expect_silent(torch_preprocess())
  expect_s3_class(external_editor("e {input} {strength} {output}", 1:3), "propgrad_intervention")
  expect_equal(plot_image_strip(list(matrix(0, 2, 2), matrix(1, 2, 2)), 1:2, draw = FALSE)$index, 1:2)
})

test_that("the missing-argument message says where to look", {
  expect_snapshot(edited_images(tempdir()), error = TRUE, cnd_class = TRUE)
  expect_snapshot(plot_curves(pg_study), error = TRUE, cnd_class = TRUE)
  # Called through do.call() there is no name to point to.
  expect_error(do.call(shuffle_test, list()), "`y` is missing", class = "propgrad_error_missing")
})
