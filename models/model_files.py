"""What a logged lead model holds: the names of its artifacts."""

ESTIMATOR = "estimator"  # the saved PropensityEstimator folder, with its card
PROFILE = "profile"  # the dataset profile's YAML text: the fields a lead carries and the rules may read
AGREEMENT = "agreement"  # the agreement's YAML text the model grades with unless given another
