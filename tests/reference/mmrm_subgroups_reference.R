# R reference for the subgroup analyses of the `mmrm` type (dossier.stats.subgroups.mmrm and
# dossier.stats.mmrm.interaction_tests; tests/test_mmrm_subgroups.py reads mmrm_subgroups_reference_r.csv).
# Run once from the repository root:  Rscript tests/reference/mmrm_subgroups_reference.R
# Data: openpharma/mmrm's fev_data (tests/reference/mmrm_fev_data.csv, see README.md here), not generated here.
# Model: FEV1 ~ ARMCD * AVISIT + FEV1_BL; primary visit VIS4; subgroups SEX (2 levels) and RACE (3 levels).
# 1. Unstructured covariance (nlme::gls, corSymm + varIdent), as dossier's default:
#    - per level: the model refitted on the level's subjects, emmeans' TRT - PBO difference at VIS4 (estimate, SE);
#    - interaction: FEV1 ~ ARMCD * AVISIT * <subgroup> + FEV1_BL on all subjects, the joint Wald test of the
#      (TRT - PBO) differences at VIS4 between levels (emmeans interaction contrasts, b' (L V L')^-1 b with
#      V = vcov(fit); written as F = Wald / (L - 1)).
#    emmeans' df for gls are not SAS's Satterthwaite df (see mmrm_reference.R), so mode = "asymptotic": no df.
# 2. Compound symmetry (lme4::lmer with a random intercept per subject = homogeneous compound symmetry with a
#    non-negative correlation) with lmerTest's Satterthwaite df: per level the difference at VIS4 with its SE and
#    df (contest1D), and the interaction's F, denominator df (Fai-Cornelius for L > 2) and p (contest).
suppressPackageStartupMessages({
  library(nlme)
  library(emmeans)
  library(lmerTest)
})
here <- dirname(sub("^--file=", "", grep("^--file=", commandArgs(), value = TRUE)))
emm_options(opt.digits = FALSE)
fev <- read.csv(file.path(here, "mmrm_fev_data.csv"), stringsAsFactors = TRUE)
fev$ARMCD <- relevel(fev$ARMCD, ref = "PBO")
fev <- fev[!is.na(fev$FEV1), ]
ctrl <- glsControl(maxIter = 200, msMaxIter = 500, tolerance = 1e-10, msTol = 1e-12)
rows <- list()
add <- function(...) rows[[length(rows) + 1]] <<- data.frame(...)

unstructured <- function(formula, data) {
  gls(formula, data = data, correlation = corSymm(form = ~ VISITN | USUBJID),
      weights = varIdent(form = ~ 1 | AVISIT), method = "REML", control = ctrl)
}
# the difference TRT - PBO at VIS4 of a model without the subgroup (ARMCD * AVISIT + FEV1_BL)
at_vis4 <- function(names) {
  L <- setNames(rep(0, length(names)), names)
  L[c("ARMCDTRT", "ARMCDTRT:AVISITVIS4")] <- 1
  L
}
for (variable in c("SEX", "RACE")) {
  for (level in levels(fev[[variable]])) {
    d <- fev[fev[[variable]] == level, ]
    fit <- unstructured(FEV1 ~ ARMCD * AVISIT + FEV1_BL, d)
    em <- emmeans(fit, "ARMCD", by = "AVISIT", mode = "asymptotic", data = d)
    k <- as.data.frame(summary(contrast(em, "trt.vs.ctrl")))
    k <- k[k$AVISIT == "VIS4", ]
    add(covariance = "unstructured", variable = variable, level = level, kind = "difference",
        estimate = k$estimate, se = k$SE, df = NA, statistic = NA, p = NA)
    lfit <- lmer(FEV1 ~ ARMCD * AVISIT + FEV1_BL + (1 | USUBJID), data = d, REML = TRUE)
    t <- contest1D(lfit, at_vis4(names(fixef(lfit))), ddf = "Satterthwaite")
    add(covariance = "compound_symmetry", variable = variable, level = level, kind = "difference",
        estimate = t$Estimate, se = t$`Std. Error`, df = t$df, statistic = NA, p = t$`Pr(>|t|)`)
  }
  fev$SUB <- fev[[variable]]
  fit <- unstructured(FEV1 ~ ARMCD * AVISIT * SUB + FEV1_BL, fev)
  em <- emmeans(fit, ~ ARMCD * SUB | AVISIT, mode = "asymptotic", data = fev)
  ic <- contrast(em, interaction = c("trt.vs.ctrl", "trt.vs.ctrl1"), by = "AVISIT")
  L <- ic@linfct[as.data.frame(ic@grid)$AVISIT == "VIS4", , drop = FALSE]
  b <- L %*% coef(fit)
  wald <- as.numeric(t(b) %*% solve(L %*% vcov(fit) %*% t(L), b))
  add(covariance = "unstructured", variable = variable, level = NA, kind = "interaction", estimate = NA, se = NA,
      df = nrow(L), statistic = wald / nrow(L), p = NA)
  lfit <- lmer(FEV1 ~ ARMCD * AVISIT * SUB + FEV1_BL + (1 | USUBJID), data = fev, REML = TRUE)
  names <- names(fixef(lfit))
  others <- levels(fev$SUB)[-1]
  L <- t(sapply(others, function(s) {
    l <- setNames(rep(0, length(names)), names)
    l[c(paste0("ARMCDTRT:SUB", s), paste0("ARMCDTRT:AVISITVIS4:SUB", s))] <- 1
    l
  }))
  f <- contest(lfit, L, ddf = "Satterthwaite")
  add(covariance = "compound_symmetry", variable = variable, level = NA, kind = "interaction", estimate = NA,
      se = NA, df = f$DenDF, statistic = f$`F value`, p = f$`Pr(>F)`)
}
out <- do.call(rbind, rows)
path <- file.path(here, "mmrm_subgroups_reference_r.csv")
writeLines(sprintf("# written by tests/reference/mmrm_subgroups_reference.R with %s nlme %s emmeans %s lme4 %s lmerTest %s",
                   R.version.string, packageVersion("nlme"), packageVersion("emmeans"), packageVersion("lme4"),
                   packageVersion("lmerTest")), path)
suppressWarnings(write.table(format(out, digits = 10, trim = TRUE), path, sep = ",", row.names = FALSE,
                             quote = TRUE, append = TRUE))
