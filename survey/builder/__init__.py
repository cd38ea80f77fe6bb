"""The questionnaire builder: staff create, edit, preview, publish, import and export question sets."""
