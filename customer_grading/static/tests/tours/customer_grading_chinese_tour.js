import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

// The customer's Grading tab, for a salesperson working in Simplified Chinese:
// each step looks for the Chinese label, so an English one fails the tour.
registry.category("web_tour.tours").add("customer_grading_chinese_tour", {
    url: "/odoo",
    steps: () => [
        stepUtils.showAppsMenuItem(),
        {
            content: "the app is named in Chinese",
            trigger: ".o_app[data-menu-xmlid='customer_grading.customer_grading_menu_root']:contains('客户分级')",
            run: "click",
        },
        {
            content: "open the customers (客户)",
            trigger: ".o_menu_sections .o_nav_entry:contains('客户')",
            run: "click",
        },
        {
            content: "open the customer",
            trigger: ".o_data_row td:contains('Tour Customer CN')",
            run: "click",
        },
        {
            content: "open the Grading tab (分级)",
            trigger: ".o_notebook .nav-link:contains('分级')",
            run: "click",
        },
        {
            content: "current grade (当前等级)",
            trigger: ".o_form_view .o_horizontal_separator:contains('当前等级')",
        },
        {
            content: "grade (等级), score (分级得分), graded on (分级日期)",
            trigger: ".o_form_view .o_inner_group:contains('等级'):contains('分级得分'):contains('分级日期')",
        },
        {
            content: "next grade (下一等级), points to the next grade (距下一等级分值)",
            trigger: ".o_form_view .o_inner_group:contains('下一等级'):contains('距下一等级分值')",
        },
        {
            content: "the breakdown (等级评定依据) and the manual indicators (手工指标)",
            trigger: ".o_form_view .o_horizontal_separator:contains('等级评定依据') ~ .o_horizontal_separator:contains('手工指标')",
        },
        {
            content: "the buttons: appeal (申诉等级), plan a visit (计划拜访)",
            trigger: ".o_form_view button:contains('申诉等级') ~ button:contains('计划拜访'), .o_form_view:has(button:contains('申诉等级')):has(button:contains('计划拜访'))",
        },
        {
            content: "no English label left on the tab",
            trigger: ".o_form_view .o_notebook:not(:contains('Current Grade')):not(:contains('Points to Next Grade')):not(:contains('Why this grade')):not(:contains('Manual Indicators')):not(:contains('Plan a Visit'))",
        },
    ],
});
