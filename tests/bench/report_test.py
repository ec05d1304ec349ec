#!/usr/bin/env python3
"""The benchmark report's arithmetic against fixed input: wrk parsing (units),
medians over repetitions, CPU per request, ratios to nginx, the table rows."""
import json
import os
import tempfile
import unittest

import report

WRK_OUTPUT = """Running 10s test @ http://127.0.0.1:8080/api/bench/200
  1 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.05ms  320.12us  12.00ms   91.00%
    Req/Sec    30.10k     1.20k   32.00k    70.00%
  Latency Distribution
     50%  987.00us
     75%    1.10ms
     90%    1.30ms
     99%    2.50ms
  301000 requests in 10.00s, 80.10MB read
  Socket errors: connect 0, read 1, write 0, timeout 2
  Non-2xx or 3xx responses: 4
Requests/sec:  30100.00
Transfer/sec:      8.01MB
"""

LOAD_TSV = """proxy\tbody\tconns\trep\trequests\tseconds\trps\tp50_us\tp99_us\tcpu_us
nginx\t200\t32\t1\t300000\t10\t30000\t1000\t2000\t9000000
nginx\t200\t32\t2\t310000\t10\t31000\t1100\t2100\t9300000
nginx\t200\t32\t3\t290000\t10\t29000\t900\t3000\t9570000
litmus-proxy\t200\t32\t1\t150000\t10\t15000\t2000\t5000\t7500000
litmus-proxy\t200\t32\t2\t160000\t10\t16000\t2200\t6000\t8000000
litmus-proxy\t200\t32\t3\t140000\t10\t14000\t1800\t4000\t7700000
"""


class ParseWrkTest(unittest.TestCase):
    def test_figures_in_microseconds(self):
        figures = report.parse_wrk(WRK_OUTPUT)
        self.assertEqual(figures["requests"], 301000)
        self.assertEqual(figures["seconds"], 10.0)
        self.assertEqual(figures["rps"], 30100.0)
        self.assertEqual(figures["p50_us"], 987.0)
        self.assertEqual(figures["p99_us"], 2500.0)
        self.assertEqual(figures["non2xx"], 4)
        self.assertEqual(figures["socket_errors"], 3)

    def test_clean_run_has_no_errors(self):
        clean = "\n".join(line for line in WRK_OUTPUT.splitlines()
                          if "errors" not in line and "Non-2xx" not in line)
        figures = report.parse_wrk(clean)
        self.assertEqual((figures["non2xx"], figures["socket_errors"]), (0, 0))

    def test_seconds_unit(self):
        self.assertEqual(report.parse_wrk(WRK_OUTPUT.replace("99%    2.50ms", "99%    1.20s"))["p99_us"],
                         1.2e6)

    def test_truncated_output_is_an_error(self):
        with self.assertRaises(ValueError):
            report.parse_wrk(WRK_OUTPUT.split("Requests/sec")[0])


class TableTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.addCleanup(self.dir.cleanup)

    def write(self, name, text):
        with open(os.path.join(self.dir.name, name), "w") as f:
            f.write(text)

    def test_medians_cpu_per_request_and_ratios(self):
        self.write("load.tsv", LOAD_TSV)
        summary = report.load_summary(report._read_tsv(os.path.join(self.dir.name, "load.tsv")))
        nginx = summary[(200, 32, "nginx")]
        self.assertEqual(nginx["rps"], 30000)
        self.assertEqual(nginx["p99_us"], 2100)
        # per run 30, 30, 33 µs/request: the median is 30
        self.assertAlmostEqual(nginx["cpu_us_per_request"], 30.0)
        # per run 50, 50, 55 µs/request
        self.assertAlmostEqual(summary[(200, 32, "litmus-proxy")]["cpu_us_per_request"], 50.0)
        rows = report.load_table(summary)
        self.assertEqual(rows[2], "| 200 B | 32 | nginx | 30,000 ×1.00 | 1,000 ×1.00 | 2,100 ×1.00 | 30.0 ×1.00 |")
        self.assertEqual(rows[3], "| 200 B | 32 | litmus-proxy | 15,000 ×0.50 | 2,000 ×2.00 | 5,000 ×2.38 | 50.0 ×1.67 |")

    def test_process_table(self):
        memory = [{"proxy": "nginx", "rss_idle_kib": "4096", "rss_peak_kib": "8192"},
                  {"proxy": "litmus-proxy", "rss_idle_kib": "6144", "rss_peak_kib": "8192"}]
        callgrind = [{"proxy": "nginx", "body": "200", "ir": "82000000", "requests": "2000"},
                     {"proxy": "litmus-proxy", "body": "200", "ir": "65600000", "requests": "2000"},
                     {"proxy": "nginx", "body": "65536", "ir": "600000000", "requests": "2000"}]
        rows = report.process_table(memory, callgrind)
        self.assertEqual(rows[0], "| proxy | RSS idle MiB | RSS peak MiB | Ir/req 200 B | Ir/req 64 KiB |")
        self.assertEqual(rows[2], "| nginx | 4.0 ×1.00 | 8.0 ×1.00 | 41,000 ×1.00 | 300,000 ×1.00 |")
        self.assertEqual(rows[3], "| litmus-proxy | 6.0 ×1.50 | 8.0 ×1.00 | 32,800 ×0.80 | — |")

    def test_users_path_against_client_credentials(self):
        self.write("users.tsv", "proxy\tbody\tconns\trep\trequests\tseconds\trps\tp50_us\tp99_us\tcpu_us\n"
                   "user\t200\t1\t1\t100000\t10\t10000\t98\t150\t7000000\n"
                   "client_credentials\t200\t1\t1\t100000\t10\t10000\t90\t140\t6500000\n"
                   "user\t200\t1\t2\t100000\t10\t9900\t100\t160\t7200000\n"
                   "client_credentials\t200\t1\t2\t100000\t10\t10100\t92\t150\t6600000\n"
                   "user\t200\t1\t3\t100000\t10\t9800\t99\t170\t7100000\n"
                   "client_credentials\t200\t1\t3\t100000\t10\t10200\t91\t145\t6700000\n")
        self.write("users_callgrind.tsv", "proxy\tbody\tir\trequests\n"
                   "client_credentials\t200\t66000000\t1000\nuser\t200\t67500000\t1000\n")
        text = report.report(self.dir.name)
        self.assertIn("client_credentials 66,000, user 67,500 (+1,500).", text)
        # medians: p50 99 vs 91 µs, CPU 71 vs 66 µs per request
        self.assertIn("| 200 B | 1 | client_credentials | 10,100 | 91 | 145 | 66.0 | +0 | +0.0 |", text)
        self.assertIn("| 200 B | 1 | user | 9,900 | 99 | 160 | 71.0 | +8 | +5.0 |", text)
        self.assertNotIn("Load (wrk", text)  # no load results

    def test_whole_report(self):
        self.write("load.tsv", LOAD_TSV)
        self.write("startup.json", json.dumps({"results": [
            {"mean": 0.0123, "stddev": 0.001, "median": 0.012, "min": 0.011, "times": [0.0123] * 30}]}))
        self.write("stall.tsv", "seconds\t60.0\nconnections\t32\nwindow_ms\t100.0\nrequests\t1000\n"
                   "failed\t0\nrefreshes\t37\nnear_requests\t100\nnear_p50_us\t500.0\n"
                   "near_p999_us\t3000.0\nnear_max_us\t3100.0\nrest_p50_us\t450.0\n"
                   "rest_p999_us\t2000.0\nrest_max_us\t2500.0\n")
        text = report.report(self.dir.name)
        self.assertIn("mean 12.3 ms ± 1.0 ms, median 12.0 ms, min 11.0 ms", text)
        self.assertIn("37 refreshes): 1000 requests, **0 failed**", text)
        self.assertIn("| near a refresh | 100 | 500 | 3,000 ×1.50 | 3,100 |", text)
        self.assertIn("| the rest | 900 | 450 | 2,000 | 2,500 |", text)
        self.assertNotIn("Per process", text)  # no memory or callgrind results


if __name__ == "__main__":
    unittest.main()
