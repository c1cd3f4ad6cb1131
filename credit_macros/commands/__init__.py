"""One module per CLI sub-command; ``credit_macros.cli`` discovers them."""
