"""One module per screen: predict, train, models, and the help screen."""
