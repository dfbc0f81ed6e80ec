/**
 * The colour of a grade badge (customer.grading.level's colour: success,
 * info, warning, danger, muted) as the theme draws it, for graphs.
 */

// used when the theme does not define Bootstrap's variable
const FALLBACK = {
    success: "#28a745",
    info: "#17a2b8",
    warning: "#ffac00",
    danger: "#dc3545",
    muted: "#6c757d",
};

export function gradeColor(color) {
    const style = getComputedStyle(document.documentElement);
    const variable = color === "muted" ? "--bs-secondary" : `--bs-${color}`;
    return style.getPropertyValue(variable).trim() || FALLBACK[color] || FALLBACK.info;
}
