"""The accuracy table: protocol and rows (:mod:`.protocol`), the runs (:mod:`.runner`), the report
and figures (:mod:`.report`), the model zoo files (:mod:`.model_zoo`), the command line
(:mod:`.run_table`) and the bare-torch re-implementation (:mod:`.probe`)."""
