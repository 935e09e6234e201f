-- One PostgreSQL server, two databases: MLflow's backend store and the lead store.
CREATE DATABASE mlflow;
CREATE DATABASE leads;
