"""Staff verification of submitted answers: verified, contested or queried; and plausibility flags."""
