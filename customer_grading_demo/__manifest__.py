{
    "name": "Customer Grading Demo Data",
    "summary": "Demo data for Customer Grading: sixty customers with two years of "
    "sales and accounting, graded quarters, visits, a receivables review and blacklist entries",
    "version": "18.0.1.0.0",
    "category": "Sales/Sales",
    "website": "https://github.com/customer-grading/customer_grading",
    "author": "customer_grading maintainers",
    "license": "LGPL-3",
    "depends": ["customer_grading"],
    "demo": [
        "demo/customer_grading_demo.xml",
    ],
    "installable": True,
}
