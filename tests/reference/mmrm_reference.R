# R reference numbers for dossier.stats.mmrm (tests/test_mmrm.py reads mmrm_reference_r.csv).
# Run once from the repository root:  Rscript tests/reference/mmrm_reference.R
# nlme::gls fits the same REML model as an MMRM: correlation per subject over the visits (corSymm =
# unstructured, corAR1, corCompSymm, corARMA(p = visits - 1) = Toeplitz) and varIdent(~1|AVISIT) for one
# variance per visit (heterogeneous variants; with corSymm it makes the unstructured covariance).
# emmeans gives the LS means (factor covariates at equal weights, numeric ones at their mean) and the
# differences from the reference arm by visit. Only estimates and standard errors (and -2 REML log-likelihood)
# are references: emmeans' Satterthwaite df for gls differ from SAS's (392 vs SAS 146 for the first LS
# mean of fev_data), so mode = "asymptotic" is used and only estimates and SEs are written; the df
# reference is the published SAS output.
# Data: tests/reference/mmrm_fev_data.csv and mmrm_bcva_data.csv (see README.md here).
suppressPackageStartupMessages({
  library(nlme)
  library(emmeans)
})
here <- dirname(sub("^--file=", "", grep("^--file=", commandArgs(), value = TRUE)))
emm_options(opt.digits = FALSE)
fev <- read.csv(file.path(here, "mmrm_fev_data.csv"), stringsAsFactors = TRUE)
fev$ARMCD <- relevel(fev$ARMCD, ref = "PBO")
fev <- fev[!is.na(fev$FEV1), ]
bcva <- read.csv(file.path(here, "mmrm_bcva_data.csv"), stringsAsFactors = TRUE)
bcva$ARMCD <- relevel(bcva$ARMCD, ref = "CTL")
bcva$VISITN <- as.integer(bcva$AVISIT)
bcva <- bcva[!is.na(bcva$BCVA_CHG), ]

rows <- list()
add <- function(dataset, structure, fit, spec, data) {
  em <- emmeans(fit, spec, by = "AVISIT", mode = "asymptotic", data = data)
  s <- as.data.frame(summary(em))
  d <- as.data.frame(summary(contrast(em, "trt.vs.ctrl")))
  arm <- as.character(s[[spec]])
  rows[[length(rows) + 1]] <<- data.frame(dataset = dataset, structure = structure, kind = "lsmean",
    arm = arm, visit = as.character(s$AVISIT), estimate = s$emmean, se = s$SE)
  rows[[length(rows) + 1]] <<- data.frame(dataset = dataset, structure = structure, kind = "difference",
    arm = sub(" - .*", "", as.character(d$contrast)), visit = as.character(d$AVISIT), estimate = d$estimate,
    se = d$SE)
  rows[[length(rows) + 1]] <<- data.frame(dataset = dataset, structure = structure, kind = "neg2reml",
    arm = NA, visit = NA, estimate = -2 * as.numeric(logLik(fit)), se = NA)
}

ctrl <- glsControl(maxIter = 200, msMaxIter = 500, tolerance = 1e-10, msTol = 1e-12)
correlations <- function(t) list(
  unstructured = corSymm(form = ~ VISITN | USUBJID),
  toeplitz = corARMA(form = ~ VISITN | USUBJID, p = t - 1, q = 0),
  ar1 = corAR1(form = ~ VISITN | USUBJID),
  compound_symmetry = corCompSymm(form = ~ VISITN | USUBJID)
)
fev_formula <- FEV1 ~ ARMCD * AVISIT + RACE + SEX
for (name in names(correlations(4))) {
  for (heterogeneous in c(FALSE, TRUE)) {
    if (name == "unstructured" && !heterogeneous) next
    structure <- if (heterogeneous && name != "unstructured") paste0(name, "_heterogeneous") else name
    fit <- if (heterogeneous) {
      gls(fev_formula, data = fev, correlation = correlations(4)[[name]], weights = varIdent(form = ~ 1 | AVISIT),
          method = "REML", control = ctrl)
    } else {
      gls(fev_formula, data = fev, correlation = correlations(4)[[name]], method = "REML", control = ctrl)
    }
    add("fev", structure, fit, "ARMCD", fev)
  }
}
# second public dataset: 10 visits, baseline x visit interaction, unstructured
bcva_fit <- gls(BCVA_CHG ~ ARMCD * AVISIT + RACE + BCVA_BL * AVISIT, data = bcva,
                correlation = corSymm(form = ~ VISITN | USUBJID), weights = varIdent(form = ~ 1 | AVISIT),
                method = "REML", control = ctrl)
add("bcva", "unstructured", bcva_fit, "ARMCD", bcva)
out <- do.call(rbind, rows)
num <- c("estimate", "se")
for (column in num) out[[column]] <- ifelse(is.na(out[[column]]), "", sprintf("%.10g", out[[column]]))
writeLines(c(paste("# written by tests/reference/mmrm_reference.R with", R.version.string, "nlme",
                   as.character(packageVersion("nlme")), "emmeans", as.character(packageVersion("emmeans")))),
           file.path(here, "mmrm_reference_r.csv"))
suppressWarnings(write.table(out, file.path(here, "mmrm_reference_r.csv"), sep = ",", row.names = FALSE,
                             quote = FALSE, na = "", append = TRUE))
