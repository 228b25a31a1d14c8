# R reference for dossier.analyses.stats.clopper_pearson (tests/test_stats_special.py reads binom_reference_r.csv).
# Run once from the repository root:  Rscript tests/reference/binom_reference.R
# stats::binom.test(k, n, conf.level = level)$conf.int: the exact (Clopper-Pearson) interval,
# qbeta(alpha / 2, k, n - k + 1) and qbeta(1 - alpha / 2, k + 1, n - k). Written with 17 significant digits.
here <- dirname(sub("^--file=", "", grep("^--file=", commandArgs(), value = TRUE)))
rows <- list()
for (level in c(0.8, 0.9, 0.95, 0.975, 0.99)) {
  for (n in c(1:40, 97, 100, 250, 1000, 12345)) {
    for (k in sort(unique(c(0, 1, min(2, n), n %/% 3, n %/% 2, n - 1, n)))) {
      ci <- binom.test(k, n, conf.level = level)$conf.int
      rows[[length(rows) + 1]] <- data.frame(level = level, n = n, k = k, low = ci[1], high = ci[2])
    }
  }
}
out <- do.call(rbind, rows)
out$low <- sprintf("%.17g", out$low)
out$high <- sprintf("%.17g", out$high)
write.csv(out, file.path(here, "binom_reference_r.csv"), row.names = FALSE, quote = FALSE)
