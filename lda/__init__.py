"""LDA: the information system of a Logement d'abord (Housing First) territory."""
