#!/usr/bin/python3
"""`mrvet slurm` against a real one-node Slurm cluster (Debian's slurm-wlm and
munge, installed by scripts/setup.sh), started on localhost from a temp
folder: a 4-shard study runs as a job array plus a dependent merge job, and
the merged store must equal a local unsharded run row for row. Then one
shard's store is deleted and `mrvet slurm` is run again: only that shard is
resubmitted. If the daemons cannot start, the test fails with their logs.

usage: test_slurm.py PATH/TO/mrvet [BUILD_DIR]
"""
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from storeutil import rows  # noqa: E402

MRVET = None

STUDY = """\
study: slurm-test
seed: 11
dataset: {kind: phantom, matrix: 64, coils: 4}
models:
  - {name: zf, adapter: builtin, model: zero_filled}
perturbations:
  - {family: noise, severities: [1, 3, 5], repeats: 2}
metrics: [psnr, ssim, nmse]
"""


class Cluster:
    """munged + slurmctld + slurmd for one node, everything in `root`."""

    def __init__(self, root):
        self.root = root
        self.procs = {}
        base = 20000 + (os.getpid() % 2000) * 2
        host = socket.gethostname()
        for d in ("state", "spool", "munge"):
            os.makedirs(os.path.join(root, d), exist_ok=True)
        os.chmod(os.path.join(root, "munge"), 0o711)
        self.conf = os.path.join(root, "slurm.conf")
        with open(self.conf, "w") as f:
            f.write(f"""ClusterName=mrvettest
SlurmctldHost={host}(127.0.0.1)
SlurmUser=root
SlurmdUser=root
SlurmctldPort={base}
SlurmdPort={base + 1}
AuthType=auth/munge
AuthInfo=socket={root}/munge/munge.socket
CredType=cred/munge
StateSaveLocation={root}/state
SlurmdSpoolDir={root}/spool
SlurmctldPidFile={root}/slurmctld.pid
SlurmdPidFile={root}/slurmd.pid
SlurmctldLogFile={root}/slurmctld.log
SlurmdLogFile={root}/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
SchedulerParameters=batch_sched_delay=0
ReturnToService=2
MpiDefault=none
NodeName={host} NodeAddr=127.0.0.1 CPUs={os.cpu_count()} RealMemory=1000 State=UNKNOWN
PartitionName=debug Nodes={host} Default=YES MaxTime=INFINITE State=UP
""")
        self.env = dict(os.environ, SLURM_CONF=self.conf)

    def logs(self):
        out = []
        for name in ("munged.log", "slurmctld.log", "slurmd.log"):
            path = os.path.join(self.root, name)
            if os.path.exists(path):
                with open(path, errors="replace") as f:
                    out.append(f"--- {name} (tail)\n" + "".join(f.readlines()[-15:]))
        return "\n".join(out)

    def start(self):
        r = self.root
        for tool in ("mungekey", "munged", "slurmctld", "slurmd", "sbatch", "scontrol"):
            if not shutil.which(tool) and not os.path.exists("/usr/sbin/" + tool):
                raise AssertionError(f"{tool} not found: scripts/setup.sh installs slurm-wlm "
                                     "and munge")
        subprocess.run(["/usr/sbin/mungekey", "-c", "-k", f"{r}/munge/munge.key"], check=True,
                       capture_output=True)
        for argv in (["/usr/sbin/munged", f"--socket={r}/munge/munge.socket",
                      f"--key-file={r}/munge/munge.key", f"--log-file={r}/munged.log",
                      f"--pid-file={r}/munged.pid", f"--seed-file={r}/munged.seed"],
                     ["/usr/sbin/slurmctld", "-i"], ["/usr/sbin/slurmd"]):
            p = subprocess.run(argv, env=self.env, capture_output=True, text=True)
            if p.returncode != 0:
                raise AssertionError(f"{argv[0]} did not start ({p.returncode}): "
                                     f"{p.stderr}\n" + self.logs())
        deadline = time.time() + 30
        while time.time() < deadline:
            p = subprocess.run(["sinfo", "-h", "-o", "%T"], env=self.env, capture_output=True,
                               text=True)
            if p.returncode == 0 and p.stdout.strip() in ("idle", "mixed", "allocated"):
                return
            time.sleep(0.3)
        raise AssertionError("the Slurm node did not come up:\n" + self.logs())

    def stop(self):
        pids = []
        for name in ("slurmd", "slurmctld", "munged"):
            path = os.path.join(self.root, name + ".pid")
            try:
                with open(path) as f:
                    pid = int(f.read().strip())
                os.kill(pid, signal.SIGTERM)
                pids.append(pid)
            except (OSError, ValueError):
                pass
        deadline = time.time() + 10
        for pid in pids:
            while time.time() < deadline:
                try:
                    os.kill(pid, 0)
                except OSError:
                    break
                time.sleep(0.1)
            else:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass

    def job_state(self, job):
        p = subprocess.run(["scontrol", "show", "job", job], env=self.env, capture_output=True,
                           text=True)
        states = [w.split("=", 1)[1] for w in p.stdout.split() if w.startswith("JobState=")]
        reasons = [w.split("=", 1)[1] for w in p.stdout.split() if w.startswith("Reason=")]
        return states, reasons

    def wait(self, job, timeout=180):
        deadline = time.time() + timeout
        while time.time() < deadline:
            states, reasons = self.job_state(job)
            if states and all(s == "COMPLETED" for s in states):
                return
            if any(s in ("FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL", "OUT_OF_MEMORY")
                   for s in states) or "DependencyNeverSatisfied" in reasons:
                raise AssertionError(f"job {job} ended {states} {reasons}\n" + self.logs())
            time.sleep(0.3)
        raise AssertionError(f"job {job} did not finish in {timeout} s\n" + self.logs())


class Slurm(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="mrvet-slurm-test-")
        os.chmod(cls.tmp, 0o755)  # munged needs execute permission for all on the socket path
        cls.cluster = Cluster(os.path.join(cls.tmp, "cluster"))
        try:
            cls.cluster.start()
        except Exception:
            cls.cluster.stop()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.cluster.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def mrvet(self, *args):
        p = subprocess.run([MRVET, *args], env=self.cluster.env, capture_output=True, text=True,
                           timeout=300)
        self.assertEqual(p.returncode, 0, f"mrvet {' '.join(args)}:\n{p.stdout}\n{p.stderr}")
        return p.stdout

    def submitted(self, out):
        jobs = dict(line.split(": ", 1) for line in out.splitlines()
                    if line.startswith(("array job:", "merge job:")))
        return jobs.get("array job"), jobs["merge job"]

    def test_job_array_then_merge_equals_a_local_run(self):
        study = os.path.join(self.tmp, "study.yaml")
        with open(study, "w") as f:
            f.write(STUDY)
        local = os.path.join(self.tmp, "local.db")
        self.mrvet("run", study, "--db", local, "--quiet")
        expected = rows(local)
        self.assertEqual(len(expected), 5 * (1 + 3 * 2) * 3)

        out = self.mrvet("slurm", study, "--shards", "4", "--cpus-per-task", "1",
                         "--time", "00:10:00")
        self.assertIn("shards 1,2,3,4 of 4", out)
        array, merge = self.submitted(out)
        self.cluster.wait(array)
        self.cluster.wait(merge)
        merged = os.path.join(self.tmp, "study.slurm", "slurm-test.db")
        self.assertEqual(rows(merged), expected)
        self.assertTrue(os.path.getsize(os.path.join(self.tmp, "study.slurm", "report.html")))

        # lose one shard's store: only that shard is resubmitted, then the merge
        for suffix in ("", "-wal", "-shm"):
            path = os.path.join(self.tmp, "study.slurm", "shards", "shard-3-of-4.db" + suffix)
            if os.path.exists(path):
                os.remove(path)
        out = self.mrvet("slurm", study, "--shards", "4")
        self.assertIn("shards 3 of 4", out)
        array, merge = self.submitted(out)
        self.cluster.wait(array)
        self.cluster.wait(merge)
        self.assertEqual(rows(merged), expected)

        # everything complete: only a merge is submitted
        out = self.mrvet("slurm", study, "--shards", "4")
        self.assertIn("all 4 shards are complete", out)
        self.cluster.wait(self.submitted(out)[1])


if __name__ == "__main__":
    MRVET = os.path.abspath(sys.argv[1])
    unittest.main(argv=sys.argv[:1], verbosity=2)
