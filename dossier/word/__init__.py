"""The Word loop: the refresh diff of printed values, tracked-change redlines, importing a DOCX edited in Word back into text/*.md."""
