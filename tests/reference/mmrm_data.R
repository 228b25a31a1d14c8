# Writes the two public example datasets of the openpharma `mmrm` R package (Apache-2.0) as CSV.
# Input: data/fev_data.rda and data/bcva_data.rda from github.com/openpharma/mmrm at commit
# ec290b2695b25057b31bc98e27c39d3f498cd0d6 (see README.md in this folder).
# Usage: Rscript tests/reference/mmrm_data.R <folder holding the two .rda files>
args <- commandArgs(trailingOnly = TRUE)
load(file.path(args[1], "fev_data.rda"))
load(file.path(args[1], "bcva_data.rda"))
here <- dirname(sub("^--file=", "", grep("^--file=", commandArgs(), value = TRUE)))
fev <- as.data.frame(fev_data)[, c("USUBJID", "AVISIT", "ARMCD", "RACE", "SEX", "FEV1_BL", "FEV1", "VISITN")]
bcva <- as.data.frame(bcva_data)[, c("USUBJID", "AVISIT", "ARMCD", "RACE", "BCVA_BL", "BCVA_CHG")]
fev$FEV1_BL <- sprintf("%.15g", fev$FEV1_BL)
fev$FEV1 <- ifelse(is.na(fev$FEV1), "", sprintf("%.15g", fev$FEV1))
bcva$BCVA_BL <- sprintf("%.15g", bcva$BCVA_BL)
bcva$BCVA_CHG <- sprintf("%.15g", bcva$BCVA_CHG)
write.csv(fev, file.path(here, "mmrm_fev_data.csv"), row.names = FALSE, quote = FALSE, na = "")
write.csv(bcva, file.path(here, "mmrm_bcva_data.csv"), row.names = FALSE, quote = FALSE, na = "")
