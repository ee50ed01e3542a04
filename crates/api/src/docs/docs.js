// The ecoref API documentation page: renders /openapi.json and sends requests from the browser.
// Self-contained (no CDN): served from the ecoref binary. Text is inserted with textContent only.
"use strict";

function el(tag, attrs, children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (key === "text") node.textContent = value;
    else if (key === "class") node.className = value;
    else node.setAttribute(key, value);
  }
  for (const child of children || []) node.appendChild(child);
  return node;
}

function resolveRef(spec, schema) {
  let seen = 0;
  while (schema && schema.$ref && seen++ < 20) {
    const name = schema.$ref.split("/").pop();
    schema = spec.components.schemas[name];
  }
  return schema || {};
}

// An example value for a schema: its example, else one built from its properties.
function exampleOf(spec, schema, depth) {
  schema = resolveRef(spec, schema);
  if (schema.example !== undefined) return schema.example;
  if (schema.examples && schema.examples.length) return schema.examples[0];
  if (depth > 4) return null;
  const types = [].concat(schema.type || []);
  if (schema.properties) {
    const out = {};
    for (const [key, sub] of Object.entries(schema.properties)) out[key] = exampleOf(spec, sub, depth + 1);
    return out;
  }
  if (types.includes("array")) return [exampleOf(spec, schema.items || {}, depth + 1)];
  if (types.includes("integer") || types.includes("number")) return 0;
  if (types.includes("boolean")) return false;
  if (types.includes("string")) return "";
  return null;
}

function renderOperation(spec, path, method, op) {
  const inputs = {};
  const body = el("div", { class: "body" });
  if (op.description) body.appendChild(el("p", { text: op.description }));
  for (const param of op.parameters || []) {
    const input = el("input", { type: "text", placeholder: param.required ? "required" : "optional" });
    const example = param.example !== undefined ? param.example : (param.schema || {}).example;
    if (param.in === "path" && example !== undefined) input.value = String(example);
    inputs[param.name] = { param, input };
    body.appendChild(el("div", { class: "param" }, [
      el("label", { text: `${param.name} (${param.in})` }), input,
      el("small", { text: param.description || "" }),
    ]));
  }
  let textarea = null;
  const content = op.requestBody && op.requestBody.content && op.requestBody.content["application/json"];
  if (content) {
    textarea = el("textarea", { spellcheck: "false" });
    const example = content.example !== undefined ? content.example : exampleOf(spec, content.schema, 0);
    textarea.value = JSON.stringify(example, null, 2);
    body.appendChild(el("p", { text: "Request body (application/json):" }));
    body.appendChild(textarea);
  }
  const status = el("p", { class: "status" });
  const output = el("pre");
  const send = el("button", { type: "button", text: "Send" });
  send.addEventListener("click", async () => {
    let url = path;
    const query = new URLSearchParams();
    for (const { param, input } of Object.values(inputs)) {
      if (param.in === "path") url = url.replace(`{${param.name}}`, encodeURIComponent(input.value));
      else if (param.in === "query" && input.value !== "") query.set(param.name, input.value);
    }
    if ([...query].length) url += "?" + query.toString();
    const headers = {};
    const token = document.getElementById("token").value.trim();
    if (token) headers["Authorization"] = "Bearer " + token;
    const init = { method: method.toUpperCase(), headers };
    if (textarea) { headers["Content-Type"] = "application/json"; init.body = textarea.value; }
    status.textContent = "…";
    output.textContent = "";
    try {
      const started = performance.now();
      const response = await fetch(url, init);
      const text = await response.text();
      const ms = (performance.now() - started).toFixed(1);
      status.className = "status " + (response.ok ? "ok" : "error");
      status.textContent = `${init.method} ${url} → ${response.status} in ${ms} ms, x-request-id ${response.headers.get("x-request-id")}`;
      try { output.textContent = JSON.stringify(JSON.parse(text), null, 2); } catch (_) { output.textContent = text; }
    } catch (error) {
      status.className = "status error";
      status.textContent = String(error);
    }
  });
  body.appendChild(send);
  body.appendChild(status);
  body.appendChild(output);
  const responses = Object.entries(op.responses || {}).map(([code, r]) => `${code} ${r.description || ""}`);
  body.appendChild(el("p", { text: "Responses: " + responses.join(" · ") }));
  return el("details", { class: "op" }, [
    el("summary", {}, [
      el("span", { class: "method " + method, text: method.toUpperCase() }),
      el("span", { text: path }),
      el("span", { class: "summary", text: op.summary || "" }),
    ]),
    body,
  ]);
}

async function main() {
  const main = document.getElementById("operations");
  let spec;
  try {
    spec = await (await fetch("/openapi.json")).json();
  } catch (error) {
    main.textContent = "Cannot load /openapi.json: " + error;
    return;
  }
  document.getElementById("title").textContent = `${spec.info.title} ${spec.info.version}`;
  document.getElementById("description").textContent = spec.info.description || "";
  main.textContent = "";
  const groups = {};
  for (const [path, item] of Object.entries(spec.paths)) {
    for (const method of ["get", "post", "put", "delete"]) {
      if (!item[method]) continue;
      const tag = (item[method].tags || ["api"])[0];
      (groups[tag] = groups[tag] || []).push(renderOperation(spec, path, method, item[method]));
    }
  }
  for (const [tag, operations] of Object.entries(groups)) {
    main.appendChild(el("h2", { text: tag }));
    for (const op of operations) main.appendChild(op);
  }
  const schemas = document.getElementById("schemas");
  schemas.appendChild(el("h2", { text: "Schemas" }));
  for (const [name, schema] of Object.entries((spec.components || {}).schemas || {})) {
    schemas.appendChild(el("details", { class: "op" }, [
      el("summary", { text: name }),
      el("pre", { text: JSON.stringify(schema, null, 2) }),
    ]));
  }
}

main();
