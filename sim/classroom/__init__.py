"""The classroom game: teams play states in their own browsers, round by round.

``store`` keeps every game in SQLite, ``game`` runs the rounds on the model,
``server`` serves the instructor's and the teams' pages.
"""
