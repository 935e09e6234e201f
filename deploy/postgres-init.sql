-- One PostgreSQL server, two databases: MLflow's backend store and the lead store (run once, on an empty volume).
CREATE DATABASE mlflow;
CREATE DATABASE leads;
