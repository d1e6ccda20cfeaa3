# Labels, breaks and axis text shared by the figures and the printed
# results, so that none shows scientific notation, half an epoch or labels
# on top of each other: journal-style p-values ("< 0.001", "0.05"), numbers
# with fixed significant digits and one number of decimals per printed
# column, integer breaks for counts, x labels that wrap at separators and
# turn when one row of panels cannot hold them, a polar radius from 0, and
# a colour scale that does not run out of colours.

# "< 0.001" below 0.001, else three decimals: trimmed of trailing zeros for
# legends and titles ("0.05"), kept in table columns ("0.050") so that one
# column has one number of decimals.
format_p_journal <- function(p, trim = TRUE) {
  out <- formatC(round(p, 3), format = "f", digits = 3)
  if (trim) out <- sub("\\.$", "", sub("0+$", "", out))
  out[!is.na(p) & p < 0.001] <- "< 0.001"
  out[is.na(p)] <- "NA"
  out
}

# "p = 0.05" or "p < 0.001", for legends and titles.
p_phrase <- function(p, name = "p") {
  text <- format_p_journal(p)
  paste(name, ifelse(startsWith(text, "<"), text, paste("=", text)))
}

# `digits` significant digits in fixed notation (0.0000379, 0.500, 123456),
# never scientific; at most 8 decimals (below 1e-8 a statistic is 0 within
# rounding).
format_sig <- function(x, digits = 3) {
  decimals <- ifelse(is.finite(x) & x != 0, pmin(8, pmax(0, digits - 1 - floor(log10(abs(x))))), 0)
  out <- vapply(seq_along(x), function(i) formatC(x[i], format = "f", digits = decimals[i]), "")
  out[!is.finite(x)] <- as.character(x[!is.finite(x)])
  out
}

# Axis and legend labels of continuous scales: ggplot2's default turns small
# breaks such as 1e-04 into scientific notation.
label_plain <- function(x) format(x, scientific = FALSE, trim = TRUE)

# Breaks for whole-number axes (epochs, steps, counts): pretty breaks kept
# where they are whole, so one or two epochs get 1 and 2, not 1.25.
breaks_integer <- function(n = 5) {
  function(limits) {
    limits <- limits[is.finite(limits)]
    if (!length(limits)) return(numeric())
    lo <- ceiling(min(limits))
    hi <- floor(max(limits))
    if (hi <= lo) return(if (hi == lo) lo else numeric())
    b <- pretty(c(lo, hi), n)
    b[b == round(b) & b >= lo & b <= hi]
  }
}

# Whether a numeric axis holds whole numbers only (epochs, steps).
whole_numbers <- function(x) {
  x <- x[is.finite(x)]
  length(x) > 0 && all(abs(x - round(x)) < 1e-8)
}

# Breaks a label after a separator (space, _, -, ., :) so that lines stay
# within `width` characters where the words allow (greedy).
wrap_label <- function(x, width) {
  vapply(as.character(x), function(s) {
    tokens <- strsplit(s, "(?<=[ _.:-])", perl = TRUE)[[1]]
    if (length(tokens) < 2) return(s)
    lines <- tokens[1]
    for (t in tokens[-1]) {
      last <- lines[length(lines)]
      if (nchar(trimws(paste0(last, t), "right"), type = "width") > width) lines <- c(lines, t)
      else lines[length(lines)] <- paste0(last, t)
    }
    paste(trimws(lines, "right"), collapse = "\n")
  }, "", USE.NAMES = FALSE)
}

# Labels longer than `width` in as few lines as that width needs, the lines
# as even as the separators allow ("model_with_a_" / "long_name_1", not
# "model_with_a_long_name_" / "1").
wrap_balanced <- function(x, width) {
  vapply(as.character(x), function(s) {
    n <- nchar(s, type = "width")
    if (n <= width) return(s)
    k <- ceiling(n / width)
    for (w in seq(ceiling(n / k), n)) {
      out <- wrap_label(s, w)
      if (length(strsplit(out, "\n", fixed = TRUE)[[1]]) <= k) return(out)
    }
    s
  }, "", USE.NAMES = FALSE)
}

# How the x labels of a discrete axis fit: `across` labels side by side in
# one row of the figure share about `room` characters (a 7-inch figure at
# propgrad's base size holds about 100; the gaps between labels take the
# rest). Labels longer than their share, or than 16 characters, wrap at
# separators; when a line is still longer than the share, the labels turn
# 35 degrees instead and wrap beyond 20 characters. Returns the labels
# (named by the values) and the angle.
axis_text_layout <- function(labels, across = length(labels), room = 70) {
  labels <- as.character(labels)
  share <- room / max(1, across)
  wrapped <- wrap_balanced(labels, max(4, min(16, floor(share))))
  longest <- max(0, nchar(unlist(strsplit(wrapped, "\n", fixed = TRUE)), type = "width"))
  angle <- if (longest > share) 35 else 0
  if (angle > 0) wrapped <- wrap_balanced(labels, 20)
  list(labels = stats::setNames(wrapped, labels), angle = angle)
}

# The x scale and theme of a discrete axis laid out by axis_text_layout();
# add it after theme_propgrad(), a complete theme that would reset the angle.
discrete_x_layout <- function(labels, across, ...) {
  layout <- axis_text_layout(labels, across)
  list(ggplot2::scale_x_discrete(labels = layout$labels, ...),
       if (layout$angle > 0) {
         ggplot2::theme(axis.text.x = ggplot2::element_text(angle = layout$angle, hjust = 1, vjust = 1))
       })
}

# Labels side by side in one row of facet_wrap() panels.
labels_across <- function(n_labels, n_panels) n_labels * ggplot2::wrap_dims(max(1, n_panels))[2]

# At most `max` labels of a discrete axis: every k-th level, so that the
# rows of a tall heatmap do not print over each other.
thin_breaks <- function(levels, max = 25) {
  levels <- unique(as.character(levels))
  if (length(levels) <= max) return(levels)
  levels[seq(1, length(levels), by = ceiling(length(levels) / max))]
}

# propgrad's colour-blind-safe colours for up to 8 groups; beyond, ggplot2's
# hue scale (the palette would run out and ggplot2 fail at drawing time).
colour_scale <- function(n, ...) {
  if (n <= length(pg_palette)) scale_colour_propgrad(...) else ggplot2::scale_colour_discrete(...)
}

# Printed tables: each column with one number of decimals. `counts` as whole
# numbers, `p` journal-style, `shares` with two decimals, `numbers` with
# `digits` significant digits at the column's median magnitude (at most 6
# decimals). Other columns are left to print().
format_columns <- function(df, numbers = character(), counts = character(), p = character(),
                           shares = character(), digits = 3) {
  fixed <- function(x, decimals) ifelse(is.na(x), "NA", formatC(x, format = "f", digits = decimals))
  for (col in intersect(names(df), c(numbers, counts, p, shares))) {
    x <- df[[col]]
    if (!is.numeric(x)) next
    df[[col]] <- if (col %in% p) format_p_journal(x, trim = FALSE)
      else if (col %in% counts) fixed(round(x), 0)
      else if (col %in% shares) fixed(x, 2)
      else fixed(x, column_decimals(x, digits))
  }
  df
}

column_decimals <- function(x, digits) {
  a <- abs(x[is.finite(x) & x != 0])
  if (!length(a)) return(0)
  min(6, max(0, digits - 1 - floor(log10(stats::median(a)))))
}

# The values of a discrete axis in ggplot2's order: a factor's levels, else
# sorted.
axis_levels <- function(x) {
  if (is.factor(x)) levels(droplevels(x)) else as.character(sort(unique(x)))
}

# The radial axis of a polar plot starts at 0, so that the radius is
# proportional to the output; outputs below 0 (logits) cannot be, and then
# the centre lies as far below the lowest output as the outputs and 0 span
# (rounded down), so that no flat curve collapses into it, and a dotted
# circle marks 0.
polar_radius <- function(values, output) {
  values <- values[is.finite(values)]
  low <- min(c(values, 0))
  if (low >= 0) return(list(base = 0, note = sprintf("Radius from 0, proportional to %s.", output)))
  high <- max(c(values, 0))
  base <- min(pretty(c(low - (high - low), high)))
  list(base = base, note = sprintf("Centre: %s = %s (some outputs are negative); dotted circle: %s = 0.",
                                   output, format(base), output))
}
