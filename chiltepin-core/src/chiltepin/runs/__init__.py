"""Run records: the run database (schema, recorder, reader), the progress display, and the
pictures and pages made from a run (DAG, report, dashboard). Readers never import Parsl."""
