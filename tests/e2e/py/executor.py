"""A pymesos custom executor for the end-to-end tests.

Each launched task is answered with TASK_RUNNING whose message is "pid=<executor pid>".
Framework messages are JSON commands:
  {"op": "echo", "text": "x"}          reply with the message "echo:x" (and the task count)
  {"op": "finish", "task_id": "t"}     TASK_FINISHED for t
  {"op": "fail", "task_id": "t"}       TASK_FAILED for t
A kill answers TASK_KILLED; a shutdown exits.
"""

import json
import os
import sys
import threading

from pymesos import Executor, MesosExecutorDriver
from pymesos.utils import decode_data, encode_data


class Remote(Executor):
    def __init__(self):
        self.lock = threading.Lock()
        self.tasks = {}

    def update(self, driver, task_id, state, message=None):
        status = {"task_id": {"value": task_id}, "state": state}
        if message is not None:
            status["message"] = message
        driver.sendStatusUpdate(status)

    def launchTask(self, driver, task):
        task_id = task["task_id"]["value"]
        with self.lock:
            self.tasks[task_id] = task
        self.update(driver, task_id, "TASK_RUNNING", "pid=%d" % os.getpid())

    def killTask(self, driver, task_id):
        with self.lock:
            self.tasks.pop(task_id["value"], None)
        self.update(driver, task_id["value"], "TASK_KILLED", "killed by the executor")

    def frameworkMessage(self, driver, data):
        command = json.loads(decode_data(data).decode("utf-8"))
        op = command["op"]
        if op == "echo":
            with self.lock:
                count = len(self.tasks)
            reply = "echo:%s tasks=%d" % (command["text"], count)
            driver.sendFrameworkMessage(encode_data(reply.encode("utf-8")))
        elif op in ("finish", "fail"):
            with self.lock:
                self.tasks.pop(command["task_id"], None)
            state = "TASK_FINISHED" if op == "finish" else "TASK_FAILED"
            self.update(driver, command["task_id"], state)

    def shutdown(self, driver):
        sys.stderr.write("executor shutting down\n")


def main():
    driver = MesosExecutorDriver(Remote(), use_addict=False)
    driver.run()


if __name__ == "__main__":
    main()
