"""The benchmark's printed table (``make bench``): one line per figure."""

STEPS = ("start", "rank populations", "computed batch", "published batch")


def _time(figures, digits=2):
    """The median of the repetitions and their range (one run: its time)."""
    runs = figures.get("runs") or [figures["seconds"]]
    text = f"{figures['seconds']:.{digits}f} s"
    if len(runs) > 1:
        text += f" ({min(runs):.{digits}f}–{max(runs):.{digits}f})"
    return text


def _statements(statements):
    return "; ".join(
        f"{kind} {seconds:.2f} s ({queries:,} q.)" for kind, queries, seconds in statements
    )


def _write_floor_rows(full, write_floor):
    statements = write_floor["statements"]
    triggers = write_floor["explain"]["triggers"]
    foreign_keys = sum(seconds for _calls, seconds in triggers.values())
    return [
        (
            "write floor: SQL measures + scores + results + breakdown + grades",
            f"{_time(write_floor)}, {write_floor['queries']} queries",
        ),
        ("ratio run / write floor", f"{full['seconds'] / write_floor['seconds']:.1f}"),
        (
            "write floor by statement: seconds (rows)",
            "; ".join(
                f"{name} {seconds:.2f} s ({rows:,})" for name, (seconds, rows) in statements.items()
            ),
        ),
        (
            "  breakdown lines under EXPLAIN ANALYZE: total / foreign-key triggers",
            f"{write_floor['explain']['seconds']:.2f} s / {foreign_keys:.2f} s "
            f"({sum(calls for calls, _seconds in triggers.values()):,} checks)",
        ),
        (
            "write floor = run: customers with the same grade and score (± 0.01)",
            f"{write_floor['same']:,} of {write_floor['compared']:,}",
        ),
        (
            "full run: SQL time (slowest statements)",
            f"{full['sql_seconds']:.2f} s of {full['seconds']:.2f} s "
            f"({_statements(full['statements'])})",
        ),
    ]


def _step_rows(cron):
    rows = []
    for name in STEPS:
        step = cron["steps"].get(name)
        if not step:
            continue
        rows.append(
            (
                f"scheduled action, {name}: steps / slowest / total",
                f"{step['count']} / {step['slowest']:.2f} s / {step['seconds']:.2f} s "
                f"({_statements(step['statements'])})",
            )
        )
    return rows


def _publication_figures(policies, key, baseline=None):
    figures = policies[key]
    text = f"{_time(figures)}, {figures['queries']:,} queries"
    if not baseline:
        return text
    ratio = figures["seconds"] / policies[baseline]["seconds"]
    return (
        f"{text} ({ratio:.2f} ×; terms written: {figures['changed']:,} customers"
        f" + {figures['contacts']:,} contacts)"
    )


def _dashboard_figures(dashboard):
    return {
        name: value for name, value in dashboard.items() if name not in ("total", "queries", "runs")
    }


def report(args, figures, load_seconds):
    visits = figures["visits"]
    full, floor, single, cron = (
        figures["full"],
        figures["floor"],
        figures["single"],
        figures["cron"],
    )
    customers = full["customers"]
    rows = [
        ("customers graded (company 1)", f"{customers:,}"),
        (
            "posted invoice lines / reconciled payments / orders",
            f"{figures['invoice_lines']:,} / {figures['payments']:,} / {figures['orders']:,}",
        ),
        ("data load (SQL bulk, VACUUM ANALYZE)", f"{load_seconds:.1f} s"),
        ("full run: compute + store + review + publish", _time(full)),
        *_write_floor_rows(full, figures["write_floor"]),
        (
            "publication (approve) of the run",
            f"{full['publish']['seconds']:.2f} s, {full['publish']['queries']:,} queries",
        ),
        (
            "publication of the period graded again, without grade policies",
            _publication_figures(figures["policies"], "without"),
        ),
        (
            "  with grade policies changing every customer's terms (worst case)",
            _publication_figures(figures["policies"], "every customer", "without"),
        ),
        (
            "publication without grade policies, customers and contacts carrying terms",
            _publication_figures(figures["policies"], "without, terms set"),
        ),
        (
            "  with grade policies, grade B's credit limit changed",
            _publication_figures(figures["policies"], "one grade", "without, terms set"),
        ),
        (
            "full run: SQL queries",
            f"{full['queries']:,} ({1000 * full['queries'] / customers:.1f} per 1,000 customers)",
        ),
        (
            "full run: compute alone",
            f"{full['compute_seconds']:.2f} s, {full['compute_queries']:,} queries",
        ),
        *(
            (
                f"what-if preview over all customers ({name}): time, queries",
                f"{_time(preview)} ({preview['seconds'] / full['compute_seconds']:.2f}"
                f" × compute), {preview['queries']:,} queries; {preview['changed']:,} of "
                f"{preview['customers']:,} would change grade; "
                f"{'WROTE' if preview['wrote'] else 'wrote nothing'}",
            )
            for name, preview in (
                ("standard scheme", figures["preview"]),
                ("RFM preset", figures["preview_rfm"]),
            )
        ),
        (
            "full run: peak memory of the process",
            f"{full['peak_mb']:.0f} MB (before the run: {full['peak_before_mb']:.0f} MB)",
        ),
        (
            "Excel export of the run (manager): time, peak memory above the process",
            f"{_time(figures['export'])}, {figures['export']['queries']} queries, "
            f"{figures['export']['extra_mb']:.0f} MB"
            f"{'' if figures['export']['peak_reset'] else ' (upper bound)'}, "
            f"file {figures['export']['file_mb']:.1f} MB",
        ),
        ("floor: one grouped SQL statement", _time(floor)),
        ("ratio run / floor", f"{full['seconds'] / floor['seconds']:.1f}"),
        (
            "run = floor, customers checked / mismatches",
            f"{figures['checked']} / {figures['mismatches']}",
        ),
        (
            "same run by a manager without sales or accounting rights: mismatches",
            f"{figures['other_user_mismatches']}",
        ),
        ("one customer on demand", f"{_time(single, 3)}, {single['queries']} queries"),
        (
            "customers list, 80 rows with grades",
            f"{figures['list']['queries']} queries ({figures['list_20']['queries']} for 20 rows)",
        ),
        ("customer form with its Grading page", f"{figures['form']['queries']} queries"),
        (
            "scheduled action: batches / slowest batch",
            f"{cron['batches']} / {cron['slowest']:.2f} s",
        ),
        ("scheduled action: total", f"{cron['seconds']:.2f} s, {cron['queries']:,} queries"),
        *_step_rows(cron),
        (
            "background publication: request / batches / slowest batch / total",
            f"{figures['background']['request']:.2f} s / {figures['background']['batches']}"
            f" / {figures['background']['slowest']:.2f} s / {_time(figures['background'])}"
            f", {figures['background']['queries']:,} queries"
            f" ({figures['background']['state']})",
        ),
        (
            "daily visit action: customers owing visits / behind",
            f"{visits['rows']:,} / {visits['behind']:,}",
        ),
        (
            "daily visit action: overview + reminders, steps / slowest step / total",
            f"{visits['steps']} / {visits['slowest']:.2f} s / {visits['seconds']:.2f} s, "
            f"{visits['queries']:,} queries (next day, reminders open: "
            f"{visits['again_seconds']:.2f} s, slowest step {visits['again_slowest']:.2f} s)",
        ),
        (
            "receivables reviews prepared: customers listed, steps / slowest step / total",
            f"{figures['reviews']['lines']:,}, {figures['reviews']['steps']} / "
            f"{figures['reviews']['slowest']:.2f} s / {figures['reviews']['seconds']:.2f} s, "
            f"{figures['reviews']['queries']:,} queries",
        ),
        (
            "contract checks: customers without a contract / lists, first night / next night",
            f"{figures['contracts']['customers']:,} / {figures['contracts']['lists']}, "
            f"{figures['contracts']['first']['seconds']:.2f} s "
            f"({figures['contracts']['first']['queries']} queries) / "
            f"{figures['contracts']['next']['seconds']:.2f} s",
        ),
        (
            "dashboard: every figure read by a manager (slowest figure)",
            f"{_time({**figures['dashboard'], 'seconds': figures['dashboard']['total']})}, "
            f"{figures['dashboard']['queries']} queries "
            f"({max(_dashboard_figures(figures['dashboard']).items(), key=lambda i: i[1])[0]}: "
            f"{max(_dashboard_figures(figures['dashboard']).values()):.2f} s)",
        ),
    ]
    width = max(len(label) for label, _value in rows)
    print()
    machine = figures["machine"]
    print(f"customer_grading benchmark — {args.customers:,} customers")
    print(
        f"machine: {machine['cores']} CPU cores, PostgreSQL {machine['postgresql']}, "
        f"Python {machine['python']}, Odoo {machine['odoo']}"
    )
    print("times: the median of 3 runs (min–max) for a step under 10 s, else one run")
    print("-" * (width + 40))
    for label, value in rows:
        print(f"{label:<{width}}  {value}")
    print(
        "dashboard figures:",
        ", ".join(
            f"{name} {sec:.2f} s" for name, sec in _dashboard_figures(figures["dashboard"]).items()
        ),
    )
    if figures["mismatch_examples"]:
        print("mismatch examples:", figures["mismatch_examples"])
