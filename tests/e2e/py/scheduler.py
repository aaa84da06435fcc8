"""A pymesos scheduler driven line by line from the test.

Usage: scheduler.py MASTER [FRAMEWORK_NAME]

Commands arrive on stdin, one JSON object a line:
  {"op": "launch", "tasks": [TaskInfo without agent_id]}  launch on the next offer
  {"op": "kill", "task_id": "t"}
  {"op": "message", "executor_id": "e", "agent_id": "a", "data": "text"}
  {"op": "reconcile", "task_ids": ["t"]}                  reconciliation ([] = implicit)
  {"op": "stop"}                                          TEARDOWN and exit
Everything the driver reports is printed on stdout, one JSON object a line, with
"event" naming the callback.
"""

import json
import sys
import threading

from pymesos import MesosSchedulerDriver, Scheduler
from pymesos.utils import decode_data, encode_data

LOCK = threading.RLock()


def emit(**event):
    with LOCK:
        sys.stdout.write(json.dumps(event, sort_keys=True) + "\n")
        sys.stdout.flush()


def scalar(offer, name):
    return sum(
        r.get("scalar", {}).get("value", 0.0)
        for r in offer.get("resources", [])
        if r.get("name") == name
    )


def needs(task, name):
    return sum(
        r.get("scalar", {}).get("value", 0.0)
        for r in task.get("resources", [])
        if r.get("name") == name
    )


class Remote(Scheduler):
    def __init__(self):
        self.pending = []
        self.offers = {}

    def registered(self, driver, framework_id, master_info):
        emit(event="registered", framework_id=framework_id["value"])

    def reregistered(self, driver, master_info):
        emit(event="reregistered")

    def disconnected(self, driver):
        emit(event="disconnected")

    def resourceOffers(self, driver, offers):
        with LOCK:
            for offer in offers:
                self.offers[offer["id"]["value"]] = offer
        emit(
            event="offers",
            agents=sorted({offer["agent_id"]["value"] for offer in offers}),
        )
        self.launch_pending(driver)

    def offerRescinded(self, driver, offer_id):
        with LOCK:
            self.offers.pop(offer_id["value"], None)
        emit(event="rescinded", offer_id=offer_id["value"])

    def launch_pending(self, driver):
        with LOCK:
            if not self.pending:
                return
            for offer_id, offer in list(self.offers.items()):
                cpus, mem = scalar(offer, "cpus"), scalar(offer, "mem")
                chosen = []
                rest = []
                for task in self.pending:
                    c, m = needs(task, "cpus"), needs(task, "mem")
                    if c <= cpus + 1e-9 and m <= mem + 1e-9:
                        cpus -= c
                        mem -= m
                        task = dict(task)
                        task["agent_id"] = offer["agent_id"]
                        chosen.append(task)
                    else:
                        rest.append(task)
                if chosen:
                    del self.offers[offer_id]
                    self.pending = rest
                    driver.launchTasks(offer["id"], chosen)
                    launched = [t["task_id"]["value"] for t in chosen]
                    emit(
                        event="launched",
                        agent_id=offer["agent_id"]["value"],
                        tasks=launched,
                    )
                if not self.pending:
                    return

    def statusUpdate(self, driver, status):
        emit(
            event="update",
            task_id=status["task_id"]["value"],
            state=status["state"],
            message=status.get("message"),
            reason=status.get("reason"),
            source=status.get("source"),
            agent_id=status.get("agent_id", {}).get("value"),
            executor_id=status.get("executor_id", {}).get("value"),
            has_uuid="uuid" in status,
        )

    def frameworkMessage(self, driver, executor_id, agent_id, data):
        emit(
            event="message",
            executor_id=executor_id["value"],
            agent_id=agent_id["value"],
            data=decode_data(data).decode("utf-8"),
        )

    def slaveLost(self, driver, agent_id):
        emit(event="agent_lost", agent_id=agent_id["value"])

    def executorLost(self, driver, executor_id, agent_id, status):
        emit(
            event="executor_lost",
            executor_id=executor_id["value"],
            agent_id=agent_id["value"],
            status=status,
        )

    def error(self, driver, message):
        emit(event="error", message=message)


def main():
    master = sys.argv[1]
    name = sys.argv[2] if len(sys.argv) > 2 else "e2e"
    scheduler = Remote()
    framework = {"user": "", "name": name, "hostname": "localhost"}
    driver = MesosSchedulerDriver(scheduler, framework, master, use_addict=False)
    driver.start()
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        command = json.loads(line)
        op = command["op"]
        if op == "launch":
            with LOCK:
                scheduler.pending.extend(command["tasks"])
            scheduler.launch_pending(driver)
        elif op == "kill":
            driver.killTask({"value": command["task_id"]})
        elif op == "message":
            driver.sendFrameworkMessage(
                {"value": command["executor_id"]},
                {"value": command["agent_id"]},
                encode_data(command["data"].encode("utf-8")),
            )
        elif op == "reconcile":
            driver.reconcileTasks(
                [{"task_id": {"value": t}} for t in command.get("task_ids", [])]
            )
        elif op == "stop":
            break
        else:
            emit(event="error", message="unknown op " + op)
    driver.stop()
    driver.join()
    emit(event="stopped")


if __name__ == "__main__":
    main()
