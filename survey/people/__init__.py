"""Personal data of one invited person: download everything held, erase after the retention period."""
