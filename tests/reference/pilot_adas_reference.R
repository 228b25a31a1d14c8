# R reference for the `mmrm` analysis of the CDISC Pilot 01 ADAS-Cog (tests/test_mmrm_analysis.py reads
# pilot_adas_reference_r.csv). Run once from the repository root after pilot_adas_data.py:
#   Rscript tests/reference/pilot_adas_reference.R
# Model: CHG ~ TRT01P * AVISIT + SITEGR1 + BASE + BASE:AVISIT, REML, unstructured covariance per subject
# (nlme::gls with corSymm + varIdent(~1|AVISIT)); emmeans LS means (SITEGR1 at equal weights, BASE at its
# mean over the records) and differences from placebo by visit. Estimates and SEs only (emmeans' df for
# gls are not SAS's Satterthwaite df; see mmrm_reference.R).
suppressPackageStartupMessages({
  library(nlme)
  library(emmeans)
})
here <- dirname(sub("^--file=", "", grep("^--file=", commandArgs(), value = TRUE)))
emm_options(opt.digits = FALSE)
d <- read.csv(file.path(here, "pilot_adas_mmrm_data.csv"), stringsAsFactors = TRUE)
d$TRT01P <- factor(d$TRT01P, levels = c("Placebo", "Xanomeline Low Dose", "Xanomeline High Dose"))
d$AVISIT <- factor(d$AVISIT, levels = c("Week 8", "Week 16", "Week 24"))
d$SITEGR1 <- factor(d$SITEGR1)  # a text variable of ADSL (pooled site), a factor as in dossier
d$VISITN <- as.integer(d$AVISIT)
ctrl <- glsControl(maxIter = 200, msMaxIter = 500, tolerance = 1e-10, msTol = 1e-12)
fit <- gls(CHG ~ TRT01P * AVISIT + SITEGR1 + BASE + BASE:AVISIT, data = d,
           correlation = corSymm(form = ~ VISITN | USUBJID), weights = varIdent(form = ~ 1 | AVISIT),
           method = "REML", control = ctrl)
em <- emmeans(fit, "TRT01P", by = "AVISIT", mode = "asymptotic", data = d)
s <- as.data.frame(summary(em))
k <- as.data.frame(summary(contrast(em, "trt.vs.ctrl")))
out <- rbind(
  data.frame(kind = "lsmean", arm = as.character(s$TRT01P), visit = as.character(s$AVISIT), estimate = s$emmean,
             se = s$SE),
  data.frame(kind = "difference", arm = sub(" - .*", "", as.character(k$contrast)), visit = as.character(k$AVISIT),
             estimate = k$estimate, se = k$SE),
  data.frame(kind = "neg2reml", arm = NA, visit = NA, estimate = -2 * as.numeric(logLik(fit)), se = NA))
path <- file.path(here, "pilot_adas_reference_r.csv")
writeLines(sprintf("# written by tests/reference/pilot_adas_reference.R with %s nlme %s emmeans %s", R.version.string,
                   packageVersion("nlme"), packageVersion("emmeans")), path)
suppressWarnings(write.table(format(out, digits = 10, trim = TRUE), path, sep = ",", row.names = FALSE, quote = FALSE,
                             append = TRUE))
