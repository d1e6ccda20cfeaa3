# A strip of thumbnails of the intervened images along the property axis,
# to set above an output curve so readers see what the intervention did.
# Images come as PNG/JPEG files (read with png/jpeg) or as arrays.

#' Thumbnails of intervened images along the property axis
#'
#' @param images Image file paths (PNG or JPEG), a list of arrays (H x W x C
#'   or H x W, values 0..1 or 0..255), one N x H x W x C array, or an
#'   [intervene()] result.
#' @param values The property value of each image (for an [intervene()]
#'   result, its strengths by default).
#' @param n How many thumbnails to show, evenly spaced over the images.
#' @param draw `FALSE` returns the chosen images' positions.
#' @return A ggplot whose x axis matches an output curve over `values`, or a
#'   data frame with `draw = FALSE`.
#' @export
#' @examples
#' # a grey square brightening along the intervention
#' imgs <- lapply(seq(0.1, 0.9, length.out = 9), function(v) array(v, c(8, 8, 3)))
#' plot_image_strip(imgs, seq(0, 1, length.out = 9), n = 5)
plot_image_strip <- function(images, values, n = 5, draw = TRUE) {
  call <- rlang::current_env()
  check_required("images", call)
  if (inherits(images, "propgrad_images") && missing(values)) values <- images$strengths
  check_required("values", call)
  images <- as_image_list(images, call)
  check_finite_numbers(values, "values", call)
  if (length(values) != length(images)) {
    abort_input(c("Give one property value per image.",
                  x = "{length(images)} image{?s}, {length(values)} value{?s}."),
                "propgrad_error_length", call = call)
  }
  check_whole(n, 1, 50, arg = "n", call = call)
  o <- order(values)
  pick <- o[unique(round(seq(1, length(o), length.out = min(n, length(o)))))]
  span <- diff(range(values))
  width <- if (span > 0) 0.9 * span / length(pick) else 1
  pos <- data.frame(index = pick, value = values[pick])
  if (!check_flag(draw, arg = "draw", call = call)) return(pos)
  p <- ggplot2::ggplot(pos, ggplot2::aes(.data$value, 0.5)) + ggplot2::geom_blank()
  for (k in seq_along(pick)) {
    img <- images[[pick[k]]]
    h <- dim(img)[1]
    w <- dim(img)[2]
    p <- p + ggplot2::annotation_raster(img, xmin = pos$value[k] - width / 2,
                                        xmax = pos$value[k] + width / 2,
                                        ymin = 0.5 - 0.5 * min(1, h / w), ymax = 0.5 + 0.5 * min(1, h / w))
  }
  p + ggplot2::scale_y_continuous(limits = c(0, 1), breaks = NULL) +
    ggplot2::labs(x = NULL, y = NULL) + theme_propgrad() +
    ggplot2::theme(panel.grid = ggplot2::element_blank())
}

as_image_list <- function(images, call) {
  if (inherits(images, "propgrad_images")) images <- images$images
  if (is.character(images)) return(lapply(images, read_image, call = call))
  if (is.array(images) && length(dim(images)) == 4) {
    images <- lapply(seq_len(dim(images)[1]), function(i) images[i, , , , drop = TRUE])
  }
  if (!is.list(images) || length(images) == 0) {
    abort_input("{.arg images} must be image files, a list of arrays or an N x H x W x C array.",
                "propgrad_error_type", call = call)
  }
  lapply(images, normalise_image, call = call)
}
