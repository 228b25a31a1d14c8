# Exposure-adjusted incidence rates of treatment-emergent adverse events on the CDISC Pilot 01 data, and exact
# Poisson intervals of small hand cases: R's poisson.test, the reference of tests/test_adverse_events_tables.py.
# Run once from the repository root: Rscript tests/reference/ae_exposure_reference.R > tests/reference/ae_exposure_reference.out
# Independent of dossier: reads the XPT files with foreign::read.xport and selects with base R.
library(foreign)
data_dir <- "datasets/cdisc-pilot01/adam"
adsl <- read.xport(file.path(data_dir, "adsl.xpt"))
adae <- read.xport(file.path(data_dir, "adae.xpt"))
safety <- adsl[adsl$SAFFL == "Y", ]
te <- adae[adae$TRTEMFL == "Y" & adae$USUBJID %in% safety$USUBJID, ]
te$ARM <- safety$TRT01A[match(te$USUBJID, safety$USUBJID)]
rows <- list(
  any = rep(TRUE, nrow(te)),
  serious = te$AESER == "Y",
  severe = te$AESEV == "SEVERE",
  fatal = te$AEOUT == "FATAL" | te$AESDTH == "Y",
  pruritus = te$AEDECOD == "PRURITUS"
)
options(digits = 15)
cat("row,arm,n,years,rate,lower,upper\n")
for (row in names(rows)) {
  for (arm in c("Placebo", "Xanomeline Low Dose", "Xanomeline High Dose")) {
    days <- safety$TRTDURD[safety$TRT01A == arm]
    years <- sum(days[days > 0]) / 365.25
    who <- unique(te$USUBJID[rows[[row]] & te$ARM == arm])
    n <- length(who)
    test <- poisson.test(n, years, conf.level = 0.95)
    cat(sprintf("%s,%s,%d,%.15g,%.15g,%.15g,%.15g\n", row, arm, n, years, 100 * n / years,
                100 * test$conf.int[1], 100 * test$conf.int[2]))
  }
}
# hand cases: events, exposure, confidence level
for (case in list(c(0, 10, 0.95), c(1, 2.5, 0.95), c(7, 3.2, 0.9), c(250, 1000, 0.99))) {
  test <- poisson.test(case[1], case[2], conf.level = case[3])
  cat(sprintf("case,%g,%g,%g,%.15g,%.15g\n", case[1], case[2], case[3], test$conf.int[1], test$conf.int[2]))
}
cat(sprintf("# %s\n", R.version.string))
