"""Documents made from domain values: DOCX, CSV and XLSX exports. Pure: values in, bytes out."""
