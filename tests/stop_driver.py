"""A workflow process for the stopping tests: ``python stop_driver.py CONFIG_JSON RUN_DIR LOG``.

It prints its run token, then runs many short tasks on resource ``r``; each task appends its
start time to LOG (so a test can tell whether any task started after the workflow died).
"""

import faulthandler
import json
import os
import signal
import sys

from chiltepin import Workflow
from chiltepin.tasks import python_task


@python_task
def step(x, log):
    import time
    with open(log, "a") as f:
        f.write(f"{time.time()} {x}\n")
    time.sleep(0.5)
    return x


faulthandler.register(signal.SIGUSR1, all_threads=True)  # a test that waits in vain asks for the stacks
config, run_dir, log = json.loads(sys.argv[1]), sys.argv[2], sys.argv[3]
with Workflow(config, run_dir=run_dir, checkpoint_mode="dfk_exit"):
    print(os.environ["CHILTEPIN_RUN"], flush=True)
    for future in [step(i, log, executor="r") for i in range(1000)]:
        future.result()
