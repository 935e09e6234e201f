"""MLflow "models from code" entry: MLflow copies this file into the model and runs it to build the pyfunc.

Running on import is the point of this file (it is never imported by our own code): it spares the
logged model a cloudpickled object, so loading it executes only this reviewed code.
"""

import mlflow.models

from models.pyfunc import LeadModelPyfunc

mlflow.models.set_model(LeadModelPyfunc())
