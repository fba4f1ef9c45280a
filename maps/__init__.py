"""Maps, plots and reports of siting results (Folium, fully offline)."""
