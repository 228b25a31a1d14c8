# Reference numbers for tests/test_bds.py (by_visit: geometric means and proportions).
# Run once: Rscript tests/reference/bds_reference.R ; the printed numbers are pasted into the test.
options(digits = 15)
titres <- list(a = c(2.5, 5, 10, 160, 320, 640, 1280, 2560),
               b = c(40, 80, 80, 160, 320, 320, 640, 5120, 10240, 20480),
               c = c(5, 10))
for (name in names(titres)) {
  x <- titres[[name]]
  for (level in c(0.95, 0.90)) {
    tt <- t.test(log(x), conf.level = level)
    cat(sprintf("geometric %s %.2f %.15g %.15g %.15g\n", name, level, exp(mean(log(x))), exp(tt$conf.int[1]),
                exp(tt$conf.int[2])))
  }
}
for (kn in list(c(0, 30), c(13, 29), c(24, 25), c(27, 27), c(10, 28), c(1, 1))) {
  for (level in c(0.95, 0.90)) {
    ci <- binom.test(kn[1], kn[2], conf.level = level)$conf.int
    cat(sprintf("binomial %d %d %.2f %.15g %.15g\n", kn[1], kn[2], level, ci[1], ci[2]))
  }
}
cat(R.version.string, "\n")
