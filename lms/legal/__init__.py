"""The pages an operator must publish: Impressum, Datenschutzerklärung, Erklärung zur Barrierefreiheit."""
