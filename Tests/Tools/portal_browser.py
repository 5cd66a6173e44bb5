"""The trust portal as people use it, in headless Chromium driven by Selenium, for RehabCount's tests.

    portal_browser.py BASE_URL FILE PASSWORD DOWNLOADS

A trust's user (analyst@ry2.nhs.uk) logs in with the keyboard alone, checks FILE through the Check page, reads the
outcome, downloads the workbook into DOWNLOADS and submits the file; then RDR's user logs in and opens the check's
address. axe-core (AXE_JS, a path) runs on every page on the way. Prints one JSON object: what happened, and axe's
WCAG 2.2 A/AA violations by page.
"""

import json
import os
import sys
import time

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.wait import WebDriverWait


def browser(downloads: str) -> webdriver.Chrome:
    options = Options()
    for argument in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1280,900"]:
        options.add_argument(argument)
    options.binary_location = os.environ.get("REHABCOUNT_CHROMIUM", "/usr/bin/chromium")
    options.add_experimental_option("prefs", {"download.default_directory": downloads,
                                              "download.prompt_for_download": False})
    return webdriver.Chrome(options=options, service=Service(os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")))


def main() -> int:
    base, file, password, downloads = sys.argv[1:5]
    axe = open(os.environ["AXE_JS"], encoding="utf-8").read()
    result = {"violations": {}}
    driver = browser(downloads)

    def audit(name: str) -> None:
        driver.execute_script(axe)
        found = driver.execute_async_script(
            "var done = arguments[arguments.length - 1];"
            "axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa',"
            " 'wcag22aa']}}).then(function (r) { done(r.violations.map(function (v) {"
            " return {id: v.id, nodes: v.nodes.length, target: v.nodes[0].target.join(' ')}; })); });")
        result["violations"][name] = found

    def keys(*sequence) -> None:
        """Types into whatever has the focus, as a keyboard does."""
        driver.switch_to.active_element.send_keys(*sequence)

    try:
        driver.set_script_timeout(60)
        driver.get(base + "/login")
        audit("login")
        # The keyboard alone: Tab past the skip link and the home link into the form, type, Enter.
        body = driver.find_element(By.TAG_NAME, "body")
        body.send_keys(Keys.TAB)
        while driver.switch_to.active_element.get_attribute("id") != "email":
            keys(Keys.TAB)
        keys("analyst@ry2.nhs.uk", Keys.TAB)
        result["password_focused"] = driver.switch_to.active_element.get_attribute("id") == "password"
        keys(password, Keys.ENTER)
        WebDriverWait(driver, 60).until(lambda d: not d.find_elements(By.ID, "password"))
        result["home_title"] = driver.title
        audit("home")

        driver.find_element(By.LINK_TEXT, "Check a file, then submit it").click()
        audit("check form")
        driver.find_element(By.ID, "file").send_keys(file)
        driver.find_element(By.CSS_SELECTOR, "main button[type=submit]").send_keys(Keys.ENTER)
        # The check's page answers at once; while the check waits, its script asks where it is and reloads the
        # page with the outcome.
        name = os.path.splitext(os.path.basename(file))[0] + ".xlsx"
        result["check_waited"] = bool(driver.find_elements(By.ID, "pending"))
        if result["check_waited"]:
            audit("check waiting")
        WebDriverWait(driver, 120).until(lambda d: d.find_elements(By.LINK_TEXT, name))
        result["check_url"] = driver.current_url
        result["check_text"] = driver.find_element(By.TAG_NAME, "main").text
        audit("check result")

        driver.find_element(By.LINK_TEXT, name).click()
        for _ in range(100):
            if os.path.exists(os.path.join(downloads, name)):
                break
            time.sleep(0.1)
        result["workbook"] = os.path.join(downloads, name) if os.path.exists(os.path.join(downloads, name)) else None

        findings = os.path.splitext(os.path.basename(file))[0] + ".html"
        driver.find_element(By.LINK_TEXT, findings).click()
        result["report_text"] = driver.find_element(By.TAG_NAME, "main").text[:4000]
        audit("report")
        driver.back()

        driver.find_element(By.CSS_SELECTOR, "main button[type=submit]").send_keys(Keys.ENTER)
        WebDriverWait(driver, 60).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".done"))
        result["submitted_text"] = driver.find_element(By.TAG_NAME, "main").text

        driver.find_element(By.CSS_SELECTOR, ".logout button").click()
        # A busy machine may take a while to answer: wait for the login page, not a fixed time.
        WebDriverWait(driver, 60).until(lambda d: d.find_elements(By.ID, "email"))
        driver.find_element(By.ID, "email").send_keys("analyst@rdr.nhs.uk")
        driver.find_element(By.ID, "password").send_keys(password, Keys.ENTER)
        WebDriverWait(driver, 60).until(lambda d: not d.find_elements(By.ID, "password"))
        result["other_home"] = driver.find_element(By.TAG_NAME, "main").text
        driver.get(result["check_url"])
        result["other_check"] = driver.find_element(By.TAG_NAME, "main").text
        audit("not found")
    finally:
        driver.quit()
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
