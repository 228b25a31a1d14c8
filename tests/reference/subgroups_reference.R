# Reference numbers for tests/test_subgroups.py (dossier.stats.subgroups), computed once with R.
#
# Run from the repository root:  Rscript tests/reference/subgroups_reference.R
# It writes the datasets the tests read (tests/reference/*.csv, from R's own packages: survival::veteran,
# survival::colon, survival::lung (survival is LGPL-2+; the datasets are public research data shipped
# with it), MASS::birthwt and MASS::anorexia (MASS is GPL-2|3)), then prints every reference number.
# The numbers were pasted into the tests by hand; each test names the block below it comes from.
#
# Conventions mirrored from dossier.stats.subgroups:
# - classes of a numeric variable: cut(x, c(-Inf, cuts, Inf), right = FALSE)  (<65, 65-<75, >=75);
# - hazard ratios: coxph (Efron ties, the default), per level on the subjects of the comparison's two arms;
#   interaction: coxph(Surv ~ arm * sub) on the two arms, Wald chi-square of the arm:sub coefficients;
# - ANCOVA: lm(y ~ arm + covariates) within each level (all arms); interaction: lm(y ~ covariates + arm * sub)
#   on all subjects, F test of one comparison's arm:sub coefficients (anova() for two arms gives the same);
# - risk difference: Newcombe's hybrid score interval (method 10, Wilson limits from prop.test without
#   continuity correction); interaction: Wald test of the arm:sub coefficients of the saturated
#   binomial glm with the identity link.
suppressPackageStartupMessages({library(survival); library(MASS); library(emmeans)})
options(digits = 12)
out <- "tests/reference"
put <- function(...) cat(sprintf(...), "\n", sep = "")

# ------------------------------------------------------------------------- export the data
veteran_csv <- data.frame(id = seq_len(nrow(veteran)), trt = ifelse(veteran$trt == 1, "standard", "test"),
                          celltype = as.character(veteran$celltype), time = veteran$time, status = veteran$status,
                          karno = veteran$karno, age = veteran$age, prior = veteran$prior)
write.csv(veteran_csv, file.path(out, "veteran.csv"), row.names = FALSE)
colon2 <- subset(colon, etype == 2)  # death
colon1 <- subset(colon, etype == 1)  # recurrence
colon_csv <- data.frame(id = colon2$id, rx = as.character(colon2$rx), sex = ifelse(colon2$sex == 1, "M", "F"),
                        age = colon2$age, differ = colon2$differ, time = colon2$time, death = colon2$status,
                        recurrence = colon1$status[match(colon2$id, colon1$id)])
write.csv(colon_csv, file.path(out, "colon.csv"), row.names = FALSE, na = "")
lung_csv <- data.frame(sex = ifelse(lung$sex == 1, "male", "female"), ph_ecog = lung$ph.ecog, time = lung$time,
                       event = as.integer(lung$status == 2), age = lung$age)
write.csv(lung_csv, file.path(out, "lung.csv"), row.names = FALSE, na = "")
birthwt_csv <- data.frame(smoke = ifelse(birthwt$smoke == 1, "smoker", "non-smoker"), race = birthwt$race,
                          age = birthwt$age, lwt = birthwt$lwt, bwt = birthwt$bwt, low = birthwt$low)
write.csv(birthwt_csv, file.path(out, "birthwt.csv"), row.names = FALSE)
anorexia_csv <- data.frame(treat = as.character(anorexia$Treat), prewt = anorexia$Prewt,
                           change = anorexia$Postwt - anorexia$Prewt)
write.csv(anorexia_csv, file.path(out, "anorexia.csv"), row.names = FALSE)

veteran <- read.csv(file.path(out, "veteran.csv"))
colon <- read.csv(file.path(out, "colon.csv"))
lung <- read.csv(file.path(out, "lung.csv"))
birthwt <- read.csv(file.path(out, "birthwt.csv"))
anorexia <- read.csv(file.path(out, "anorexia.csv"))

classes <- function(x, cuts) cut(x, c(-Inf, cuts, Inf), right = FALSE)

wald <- function(fit, pattern) {
  b <- coef(fit); keep <- grepl(pattern, names(b)) & !is.na(b)
  V <- vcov(fit)[names(b)[keep], names(b)[keep], drop = FALSE]
  x2 <- drop(t(b[keep]) %*% solve(V) %*% b[keep])
  c(stat = x2, df = sum(keep))
}

cox_block <- function(name, data, arm, reference, group, sub) {
  d <- data[data[[arm]] %in% c(reference, group) & !is.na(sub), ]
  s <- droplevels(factor(sub[data[[arm]] %in% c(reference, group) & !is.na(sub)]))
  d$a <- as.integer(d[[arm]] == group); d$s <- s
  for (lev in levels(s)) {
    x <- d[d$s == lev, ]
    f <- coxph(Surv(time, event) ~ a, data = x, ties = "efron")
    ci <- summary(f)$conf.int
    put("%s | %s vs %s | level %s | n %d/%d events %d/%d | HR %.10f CI %.10f %.10f", name, group, reference, lev,
        sum(x$a == 1), sum(x$a == 0), sum(x$event[x$a == 1]), sum(x$event[x$a == 0]), ci[1, 1], ci[1, 3], ci[1, 4])
  }
  f <- coxph(Surv(time, event) ~ a * s, data = d, ties = "efron")
  w <- wald(f, ":")
  put("%s | %s vs %s | interaction Wald chi2 %.10f df %d p %.10g", name, group, reference, w["stat"], w["df"],
      pchisq(w["stat"], w["df"], lower.tail = FALSE))
}

# ------------------------------------------------------------------------- Cox: veteran (2 arms)
put("== cox veteran (trt test vs standard)")
veteran$event <- veteran$status
f <- coxph(Surv(time, event) ~ I(trt == "test"), data = veteran); ci <- summary(f)$conf.int
put("veteran | overall | HR %.10f CI %.10f %.10f", ci[1, 1], ci[1, 3], ci[1, 4])
cox_block("veteran celltype", veteran, "trt", "standard", "test", veteran$celltype)
cox_block("veteran age[60]", veteran, "trt", "standard", "test", classes(veteran$age, 60))
cox_block("veteran karno[40,60]", veteran, "trt", "standard", "test", classes(veteran$karno, c(40, 60)))

# ------------------------------------------------------------------------- Cox: colon death (3 arms)
put("== cox colon death (rx vs Obs)")
colon$event <- colon$death
for (g in c("Lev", "Lev+5FU")) {
  x <- colon[colon$rx %in% c("Obs", g), ]
  f <- coxph(Surv(time, event) ~ I(rx == g), data = x); ci <- summary(f)$conf.int
  put("colon | overall %s | HR %.10f CI %.10f %.10f", g, ci[1, 1], ci[1, 3], ci[1, 4])
  cox_block("colon sex", colon, "rx", "Obs", g, colon$sex)
  cox_block("colon age[50,65]", colon, "rx", "Obs", g, classes(colon$age, c(50, 65)))
  cox_block("colon differ", colon, "rx", "Obs", g, colon$differ)
}

# ------------------------------------------------------------------------- Cox: lung, a level with one subject
put("== cox lung (female vs male) by ph.ecog; level 3 has 1 male, 0 female: left out")
x <- lung[!is.na(lung$ph_ecog) & lung$ph_ecog <= 2, ]
cox_block("lung ph.ecog", x, "sex", "male", "female", x$ph_ecog)

# ------------------------------------------------------------------------- ANCOVA: birthwt (2 arms), covariate lwt
ancova_block <- function(name, data, y, arm, reference, covariates, sub) {
  keep <- !is.na(sub); d <- data[keep, ]; d$s <- droplevels(factor(sub[keep]))
  d$arm <- relevel(factor(d[[arm]]), ref = reference)
  rhs <- paste(c("arm", covariates), collapse = " + ")
  for (lev in levels(d$s)) {
    x <- d[d$s == lev, ]; x$arm <- droplevels(x$arm)
    f <- lm(as.formula(paste(y, "~", rhs)), data = x)
    em <- emmeans(f, "arm")
    ct <- summary(contrast(em, "trt.vs.ctrl", ref = 1, adjust = "none"), infer = TRUE)  # no Dunnett adjustment
    for (k in seq_len(nrow(ct)))
      put("%s | level %s | n %s | %s diff %.10f CI %.10f %.10f", name, lev,
          paste(table(x$arm), collapse = "/"), ct$contrast[k], ct$estimate[k], ct$lower.CL[k], ct$upper.CL[k])
  }
  f <- lm(as.formula(paste(y, "~", paste(c(covariates, "arm * s"), collapse = " + "))), data = d)
  for (g in setdiff(levels(d$arm), reference)) {
    b <- coef(f); keep <- startsWith(names(b), paste0("arm", g, ":"))
    V <- vcov(f)[keep, keep, drop = FALSE]
    Fs <- drop(t(b[keep]) %*% solve(V) %*% b[keep]) / sum(keep)
    put("%s | %s vs %s | interaction F %.10f df %d %d p %.10g", name, g, reference, Fs, sum(keep), f$df.residual,
        pf(Fs, sum(keep), f$df.residual, lower.tail = FALSE))
  }
  if (nlevels(d$arm) == 2) {
    a <- anova(f); put("%s | anova() arm:s F %.10f p %.10g", name, a["arm:s", "F value"], a["arm:s", "Pr(>F)"])
  }
}
put("== ANCOVA birthwt bwt ~ smoke + lwt")
ancova_block("birthwt race", birthwt, "bwt", "smoke", "non-smoker", "lwt", birthwt$race)
ancova_block("birthwt age[20,25]", birthwt, "bwt", "smoke", "non-smoker", "lwt", classes(birthwt$age, c(20, 25)))
put("== ANCOVA birthwt bwt ~ smoke + lwt + race (race a factor: a text covariate in the test)")
birthwt$race_text <- factor(birthwt$race)
ancova_block("birthwt age[20,25] +race", birthwt, "bwt", "smoke", "non-smoker", c("lwt", "race_text"),
             classes(birthwt$age, c(20, 25)))
put("== ANCOVA anorexia change ~ treat + prewt (3 arms, reference Cont)")
ancova_block("anorexia prewt[80,85]", anorexia, "change", "treat", "Cont", "prewt", classes(anorexia$prewt, c(80, 85)))

# ------------------------------------------------------------------------- risk difference (Newcombe), identity glm
wilson <- function(k, n) prop.test(k, n, correct = FALSE)$conf.int
newcombe <- function(k1, n1, k0, n0) {
  p1 <- k1 / n1; p0 <- k0 / n0; w1 <- wilson(k1, n1); w0 <- wilson(k0, n0)
  c(p1 - p0, p1 - p0 - sqrt((p1 - w1[1])^2 + (w0[2] - p0)^2), p1 - p0 + sqrt((w1[2] - p1)^2 + (p0 - w0[1])^2))
}
rd_block <- function(name, data, y, arm, reference, group, sub) {
  keep <- !is.na(sub) & data[[arm]] %in% c(reference, group); d <- data[keep, ]
  d$s <- droplevels(factor(sub[keep])); d$a <- as.integer(d[[arm]] == group)
  for (lev in levels(d$s)) {
    x <- d[d$s == lev, ]
    k1 <- sum(x[[y]][x$a == 1]); n1 <- sum(x$a == 1); k0 <- sum(x[[y]][x$a == 0]); n0 <- sum(x$a == 0)
    r <- newcombe(k1, n1, k0, n0)
    put("%s | %s vs %s | level %s | %d/%d vs %d/%d | RD %.10f CI %.10f %.10f", name, group, reference, lev,
        k1, n1, k0, n0, r[1], r[2], r[3])
  }
  f <- glm(as.formula(paste(y, "~ a * s")), family = binomial(link = "identity"), data = d)
  w <- wald(f, ":")
  put("%s | %s vs %s | interaction Wald chi2 %.10f df %d p %.10g", name, group, reference, w["stat"], w["df"],
      pchisq(w["stat"], w["df"], lower.tail = FALSE))
}
put("== risk difference colon recurrence (rx vs Obs)")
for (g in c("Lev", "Lev+5FU")) {
  x <- colon[colon$rx %in% c("Obs", g), ]
  r <- newcombe(sum(x$recurrence[x$rx == g]), sum(x$rx == g), sum(x$recurrence[x$rx == "Obs"]), sum(x$rx == "Obs"))
  put("colon recurrence | overall %s | RD %.10f CI %.10f %.10f", g, r[1], r[2], r[3])
  rd_block("colon recurrence sex", colon, "recurrence", "rx", "Obs", g, colon$sex)
  rd_block("colon recurrence age[50,65]", colon, "recurrence", "rx", "Obs", g, classes(colon$age, c(50, 65)))
}
put("== risk difference birthwt low (smoker vs non-smoker) by race")
rd_block("birthwt low race", birthwt, "low", "smoke", "non-smoker", "smoker", birthwt$race)
put("== Newcombe (1998) Table II examples, method 10")
for (e in list(c(56, 70, 48, 80), c(9, 10, 3, 10), c(6, 7, 2, 7), c(5, 56, 0, 29), c(0, 10, 0, 20), c(10, 10, 0, 20)))
  put("newcombe %d/%d - %d/%d | %.10f %.10f %.10f", e[1], e[2], e[3], e[4],
      newcombe(e[1], e[2], e[3], e[4])[1], newcombe(e[1], e[2], e[3], e[4])[2], newcombe(e[1], e[2], e[3], e[4])[3])
