"""Staff pages for a round's results: indices, heat map, charts per question, workbook exports."""
