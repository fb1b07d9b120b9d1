"""The bundled example directories (`syncready demo`); make_contoso.py writes contoso/."""
