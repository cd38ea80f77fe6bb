"""The consolidated Excel workbook of a round (see :func:`survey.workbook.builder.build`)."""
