/// The OpenAPI 3.1 description of the server's HTTP API, served at `GET /openapi.json`; the tests check
/// the running server against it (schemathesis).
enum OpenAPIDocument {
    /// The document, as JSON.
    static let json = #"""
        {
          "openapi": "3.1.0",
          "info": {
            "title": "Herald server",
            "version": "0.1.0",
            "description": "The HTTP API of herald serve: CloudEvents publishing, pull consumers settling by token, the admin API, dead-letter triage, webhooks and probes. Every 4xx and 5xx answer is an RFC 9457 problem."
          },
          "servers": [
            {
              "url": "http://127.0.0.1:8080"
            }
          ],
          "security": [
            {
              "bearer": []
            },
            {}
          ],
          "paths": {
            "/topics/{topic}/events": {
              "post": {
                "summary": "Publish events (CloudEvents HTTP binding: binary, structured or batch mode)",
                "operationId": "publish",
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/PublishResponse"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "403": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "404": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "413": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "415": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "429": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "503": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "default": {
                    "$ref": "#/components/responses/Problem"
                  }
                },
                "parameters": [
                  {
                    "name": "topic",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  }
                ],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/cloudevents+json": {
                      "schema": {
                        "$ref": "#/components/schemas/CloudEvent"
                      }
                    },
                    "application/cloudevents-batch+json": {
                      "schema": {
                        "type": "array",
                        "items": {
                          "$ref": "#/components/schemas/CloudEvent"
                        }
                      }
                    },
                    "application/octet-stream": {
                      "schema": {
                        "type": "string",
                        "format": "binary"
                      }
                    }
                  }
                }
              },
              "get": {
                "summary": "Browse a topic's events by partition and offset (or the first at a time), filtered by an expression over attributes, extensions and data",
                "operationId": "browseEvents",
                "parameters": [
                  {
                    "name": "topic",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  },
                  {
                    "name": "partition",
                    "in": "query",
                    "schema": {
                      "type": "integer",
                      "minimum": 0
                    }
                  },
                  {
                    "name": "from",
                    "in": "query",
                    "schema": {
                      "type": "integer",
                      "minimum": 0
                    }
                  },
                  {
                    "name": "time",
                    "in": "query",
                    "schema": {
                      "type": "string",
                      "format": "date-time"
                    }
                  },
                  {
                    "name": "limit",
                    "in": "query",
                    "schema": {
                      "type": "integer",
                      "minimum": 1,
                      "maximum": 500
                    }
                  },
                  {
                    "name": "filter",
                    "in": "query",
                    "schema": {
                      "type": "string",
                      "maxLength": 1000
                    }
                  }
                ],
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/EventPage"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "403": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "404": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "503": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "default": {
                    "$ref": "#/components/responses/Problem"
                  }
                }
              }
            },
            "/topics/{topic}/groups/{group}/fetch": {
              "post": {
                "summary": "Fetch deliveries of a consumer group (long poll)",
                "operationId": "fetch",
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/FetchResponse"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "403": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "404": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "413": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "503": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "default": {
                    "$ref": "#/components/responses/Problem"
                  }
                },
                "parameters": [
                  {
                    "name": "topic",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  },
                  {
                    "name": "group",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  }
                ],
                "requestBody": {
                  "required": false,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/FetchRequest"
                      }
                    }
                  }
                }
              }
            },
            "/topics/{topic}/groups/{group}/stream": {
              "get": {
                "summary": "Stream deliveries as Server-Sent Events, at most credit unsettled",
                "operationId": "stream",
                "parameters": [
                  {
                    "name": "topic",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  },
                  {
                    "name": "group",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  },
                  {
                    "name": "credit",
                    "in": "query",
                    "schema": {
                      "type": "integer",
                      "minimum": 1,
                      "maximum": 1000
                    }
                  }
                ],
                "responses": {
                  "200": {
                    "description": "An endless stream of `event: delivery` messages (id: the token; data: a delivery as fetch returns it)",
                    "content": {
                      "text/event-stream": {
                        "schema": {
                          "type": "string"
                        }
                      }
                    }
                  },
                  "default": {
                    "$ref": "#/components/responses/Problem"
                  }
                }
              }
            },
            "/topics/{topic}/groups/{group}/settle": {
              "post": {
                "summary": "Settle deliveries by token",
                "operationId": "settle",
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/SettleResponse"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "403": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "404": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "413": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "503": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "default": {
                    "$ref": "#/components/responses/Problem"
                  }
                },
                "parameters": [
                  {
                    "name": "topic",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  },
                  {
                    "name": "group",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  }
                ],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/SettleRequest"
                      }
                    }
                  }
                }
              }
            },
            "/topics": {
              "get": {
                "summary": "List topics",
                "operationId": "listTopics",
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/TopicList"
                        }
                      }
                    }
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "403": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "503": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "default": {
                    "$ref": "#/components/responses/Problem"
                  }
                }
              },
              "post": {
                "summary": "Create a topic",
                "operationId": "createTopic",
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Topic"
                        }
                      }
                    }
                  },
                  "201": {
                    "description": "Created",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Topic"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "403": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "409": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "413": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "503": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "default": {
                    "$ref": "#/components/responses/Problem"
                  }
                },
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/TopicSettings"
                      }
                    }
                  }
                }
              }
            },
            "/topics/{topic}": {
              "get": {
                "summary": "Describe a topic",
                "operationId": "describeTopic",
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Topic"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "403": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "404": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "503": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "default": {
                    "$ref": "#/components/responses/Problem"
                  }
                },
                "parameters": [
                  {
                    "name": "topic",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  }
                ]
              },
              "delete": {
                "summary": "Delete a topic",
                "operationId": "deleteTopic",
                "responses": {
                  "204": {
                    "description": "Deleted"
                  },
                  "400": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "403": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "404": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "503": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "default": {
                    "$ref": "#/components/responses/Problem"
                  }
                },
                "parameters": [
                  {
                    "name": "topic",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  }
                ]
              }
            },
            "/topics/{topic}/groups": {
              "get": {
                "summary": "List a topic's consumer groups",
                "operationId": "listGroups",
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/GroupList"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "403": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "404": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "503": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "default": {
                    "$ref": "#/components/responses/Problem"
                  }
                },
                "parameters": [
                  {
                    "name": "topic",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  }
                ]
              }
            },
            "/topics/{topic}/groups/{group}": {
              "get": {
                "summary": "Describe a consumer group",
                "operationId": "describeGroup",
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Group"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "403": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "404": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "503": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "default": {
                    "$ref": "#/components/responses/Problem"
                  }
                },
                "parameters": [
                  {
                    "name": "topic",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  },
                  {
                    "name": "group",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  }
                ]
              }
            },
            "/topics/{topic}/groups/{group}/pause": {
              "post": {
                "summary": "Pause a group: it hands out nothing until resumed",
                "operationId": "pauseGroup",
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Group"
                        }
                      }
                    }
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "403": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "404": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "501": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "503": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "default": {
                    "$ref": "#/components/responses/Problem"
                  }
                },
                "parameters": [
                  {
                    "name": "topic",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  },
                  {
                    "name": "group",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  }
                ]
              }
            },
            "/topics/{topic}/groups/{group}/resume": {
              "post": {
                "summary": "Resume a paused group",
                "operationId": "resumeGroup",
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Group"
                        }
                      }
                    }
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "403": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "404": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "501": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "503": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "default": {
                    "$ref": "#/components/responses/Problem"
                  }
                },
                "parameters": [
                  {
                    "name": "topic",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  },
                  {
                    "name": "group",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  }
                ]
              }
            },
            "/topics/{topic}/groups/{group}/seek": {
              "post": {
                "summary": "Move a group's position",
                "operationId": "seek",
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Group"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "403": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "404": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "413": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "503": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "default": {
                    "$ref": "#/components/responses/Problem"
                  }
                },
                "parameters": [
                  {
                    "name": "topic",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  },
                  {
                    "name": "group",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  }
                ],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/SeekRequest"
                      }
                    }
                  }
                }
              }
            },
            "/topics/{topic}/groups/{group}/deadletters/categories": {
              "get": {
                "summary": "Dead letters by failure category",
                "operationId": "deadLetterCategories",
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/CategoryList"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "403": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "404": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "503": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "default": {
                    "$ref": "#/components/responses/Problem"
                  }
                },
                "parameters": [
                  {
                    "name": "topic",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  },
                  {
                    "name": "group",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  }
                ]
              }
            },
            "/topics/{topic}/groups/{group}/deadletters": {
              "get": {
                "summary": "List open dead letters",
                "operationId": "listDeadLetters",
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/DeadLetterList"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "403": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "404": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "503": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "default": {
                    "$ref": "#/components/responses/Problem"
                  }
                },
                "parameters": [
                  {
                    "name": "topic",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  },
                  {
                    "name": "group",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  },
                  {
                    "name": "category",
                    "in": "query",
                    "schema": {
                      "type": "string"
                    }
                  },
                  {
                    "name": "limit",
                    "in": "query",
                    "schema": {
                      "type": "integer",
                      "minimum": 1,
                      "maximum": 10000
                    }
                  }
                ]
              }
            },
            "/topics/{topic}/groups/{group}/deadletters/{partition}/{offset}": {
              "get": {
                "summary": "Show a dead letter with its history",
                "operationId": "showDeadLetter",
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/DeadLetterDetail"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "403": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "404": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "503": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "default": {
                    "$ref": "#/components/responses/Problem"
                  }
                },
                "parameters": [
                  {
                    "name": "topic",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  },
                  {
                    "name": "group",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  },
                  {
                    "name": "partition",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  },
                  {
                    "name": "offset",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  }
                ]
              }
            },
            "/topics/{topic}/groups/{group}/deadletters/redrive": {
              "post": {
                "summary": "Redrive dead letters to their origin topic",
                "operationId": "redrive",
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/TriageReport"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "403": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "404": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "409": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "413": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "429": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "503": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "default": {
                    "$ref": "#/components/responses/Problem"
                  }
                },
                "parameters": [
                  {
                    "name": "topic",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  },
                  {
                    "name": "group",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  }
                ],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/Selection"
                      }
                    }
                  }
                }
              }
            },
            "/topics/{topic}/groups/{group}/deadletters/archive": {
              "post": {
                "summary": "Archive dead letters",
                "operationId": "archive",
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/TriageReport"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "403": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "404": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "409": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "413": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "429": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "503": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "default": {
                    "$ref": "#/components/responses/Problem"
                  }
                },
                "parameters": [
                  {
                    "name": "topic",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  },
                  {
                    "name": "group",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  }
                ],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/Selection"
                      }
                    }
                  }
                }
              }
            },
            "/topics/{topic}/groups/{group}/deadletters/{partition}/{offset}/edit": {
              "post": {
                "summary": "Replace a dead letter by an edited event",
                "operationId": "editDeadLetter",
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/EditResult"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "403": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "404": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "409": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "413": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "429": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "503": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "default": {
                    "$ref": "#/components/responses/Problem"
                  }
                },
                "parameters": [
                  {
                    "name": "topic",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  },
                  {
                    "name": "group",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  },
                  {
                    "name": "partition",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  },
                  {
                    "name": "offset",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  }
                ],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/EditRequest"
                      }
                    }
                  }
                }
              }
            },
            "/topics/{topic}/groups/{group}/deadletters/export": {
              "get": {
                "summary": "Export dead letters as JSON lines",
                "operationId": "exportDeadLetters",
                "responses": {
                  "200": {
                    "description": "JSON lines",
                    "content": {
                      "application/x-ndjson": {
                        "schema": {
                          "type": "string"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "403": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "404": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "503": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "default": {
                    "$ref": "#/components/responses/Problem"
                  }
                },
                "parameters": [
                  {
                    "name": "topic",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  },
                  {
                    "name": "group",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  }
                ]
              }
            },
            "/topics/{topic}/groups/{group}/deadletters/import": {
              "post": {
                "summary": "Import exported dead letters",
                "operationId": "importDeadLetters",
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/TriageReport"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "403": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "404": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "413": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "429": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "503": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "default": {
                    "$ref": "#/components/responses/Problem"
                  }
                },
                "parameters": [
                  {
                    "name": "topic",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  },
                  {
                    "name": "group",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  }
                ],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/x-ndjson": {
                      "schema": {
                        "type": "string"
                      }
                    },
                    "text/plain": {
                      "schema": {
                        "type": "string"
                      }
                    }
                  }
                }
              }
            },
            "/audit": {
              "get": {
                "summary": "The triage audit log",
                "operationId": "audit",
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/AuditLog"
                        }
                      }
                    }
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "403": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "503": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "default": {
                    "$ref": "#/components/responses/Problem"
                  }
                },
                "parameters": [
                  {
                    "name": "from",
                    "in": "query",
                    "schema": {
                      "type": "integer",
                      "minimum": 0
                    }
                  },
                  {
                    "name": "limit",
                    "in": "query",
                    "schema": {
                      "type": "integer",
                      "minimum": 1,
                      "maximum": 10000
                    }
                  }
                ]
              }
            },
            "/webhooks": {
              "get": {
                "summary": "Webhook states",
                "operationId": "webhooks",
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/WebhookList"
                        }
                      }
                    }
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "403": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "default": {
                    "$ref": "#/components/responses/Problem"
                  }
                }
              }
            },
            "/projections": {
              "get": {
                "summary": "Projections and how far behind their event store they are",
                "operationId": "projections",
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/ProjectionList"
                        }
                      }
                    }
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "403": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "default": {
                    "$ref": "#/components/responses/Problem"
                  }
                }
              }
            },
            "/healthz": {
              "get": {
                "operationId": "healthz",
                "summary": "Liveness",
                "security": [
                  {}
                ],
                "responses": {
                  "200": {
                    "description": "Alive"
                  }
                }
              }
            },
            "/readyz": {
              "get": {
                "operationId": "readyz",
                "summary": "Readiness",
                "security": [
                  {}
                ],
                "responses": {
                  "200": {
                    "description": "Ready"
                  },
                  "503": {
                    "$ref": "#/components/responses/Problem"
                  }
                }
              }
            },
            "/metrics": {
              "get": {
                "operationId": "metrics",
                "summary": "Prometheus metrics (text format 0.0.4)",
                "security": [
                  {}
                ],
                "responses": {
                  "200": {
                    "description": "The metrics",
                    "content": {
                      "text/plain": {
                        "schema": {
                          "type": "string"
                        }
                      }
                    }
                  }
                }
              }
            },
            "/openapi.json": {
              "get": {
                "operationId": "openapi",
                "summary": "This document",
                "security": [
                  {}
                ],
                "responses": {
                  "200": {
                    "description": "The OpenAPI document",
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "object"
                        }
                      }
                    }
                  }
                }
              }
            },
            "/topics/{topic}/events/{partition}/{offset}": {
              "get": {
                "summary": "One stored event: its envelope and its life in each group (acknowledged, pending, dead-lettered)",
                "operationId": "showEvent",
                "parameters": [
                  {
                    "name": "topic",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  },
                  {
                    "name": "partition",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "integer",
                      "minimum": 0
                    }
                  },
                  {
                    "name": "offset",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "integer",
                      "minimum": 0
                    }
                  }
                ],
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/StoredEventDetail"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "403": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "404": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "503": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "default": {
                    "$ref": "#/components/responses/Problem"
                  }
                }
              }
            },
            "/dashboard": {
              "get": {
                "summary": "The dashboard's page (it asks for a token; the data comes from the API)",
                "operationId": "dashboard",
                "security": [
                  {}
                ],
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "text/html": {
                        "schema": {
                          "type": "string"
                        }
                      }
                    }
                  }
                }
              }
            },
            "/dashboard/overview": {
              "get": {
                "summary": "Per topic and group: counts, lag, rates, the last hour per minute, critical time, dead letters",
                "operationId": "overview",
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Overview"
                        }
                      }
                    }
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "403": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "503": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "default": {
                    "$ref": "#/components/responses/Problem"
                  }
                }
              }
            },
            "/dashboard/overview/stream": {
              "get": {
                "summary": "The overview as Server-Sent Events: an overview event at each sample",
                "operationId": "overviewStream",
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "text/event-stream": {
                        "schema": {
                          "type": "string"
                        }
                      }
                    }
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "403": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "default": {
                    "$ref": "#/components/responses/Problem"
                  }
                }
              }
            },
            "/flow": {
              "get": {
                "summary": "The flow map learned from traffic: who publishes which event types to which topics, who consumes them, who reacted to what",
                "operationId": "flow",
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/FlowMap"
                        }
                      }
                    }
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "403": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "default": {
                    "$ref": "#/components/responses/Problem"
                  }
                }
              }
            },
            "/flow/mermaid": {
              "get": {
                "summary": "The flow map as a Mermaid flowchart",
                "operationId": "flowMermaid",
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "text/vnd.mermaid": {
                        "schema": {
                          "type": "string"
                        }
                      }
                    }
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "403": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "default": {
                    "$ref": "#/components/responses/Problem"
                  }
                }
              }
            },
            "/flow/asyncapi": {
              "get": {
                "summary": "What was observed, as an AsyncAPI 3.0 document",
                "operationId": "flowAsyncAPI",
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "object"
                        }
                      }
                    }
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "403": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "default": {
                    "$ref": "#/components/responses/Problem"
                  }
                }
              }
            },
            "/traces": {
              "get": {
                "summary": "The correlation ids seen last, newest first",
                "operationId": "recentTraces",
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "object",
                          "required": [
                            "correlationIds"
                          ],
                          "properties": {
                            "correlationIds": {
                              "type": "array",
                              "items": {
                                "type": "string"
                              }
                            }
                          }
                        }
                      }
                    }
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "403": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "default": {
                    "$ref": "#/components/responses/Problem"
                  }
                }
              }
            },
            "/traces/{correlationId}": {
              "get": {
                "summary": "A flow's events by correlation id, oldest first, each with its depth in the tree of what caused what",
                "operationId": "trace",
                "parameters": [
                  {
                    "name": "correlationId",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  }
                ],
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Trace"
                        }
                      }
                    }
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "403": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "404": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "503": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "default": {
                    "$ref": "#/components/responses/Problem"
                  }
                }
              }
            }
          },
          "components": {
            "securitySchemes": {
              "bearer": {
                "type": "http",
                "scheme": "bearer"
              }
            },
            "responses": {
              "Problem": {
                "description": "An RFC 9457 problem",
                "content": {
                  "application/problem+json": {
                    "schema": {
                      "$ref": "#/components/schemas/Problem"
                    }
                  }
                }
              }
            },
            "schemas": {
              "Problem": {
                "type": "object",
                "properties": {
                  "type": {
                    "type": "string"
                  },
                  "title": {
                    "type": "string"
                  },
                  "status": {
                    "type": "integer"
                  },
                  "detail": {
                    "type": "string"
                  },
                  "attribute": {
                    "type": "string"
                  },
                  "topic": {
                    "type": "string"
                  },
                  "index": {
                    "type": "integer"
                  },
                  "retryAfter": {
                    "type": "integer"
                  }
                },
                "required": [
                  "type",
                  "title",
                  "status",
                  "detail"
                ]
              },
              "CloudEvent": {
                "type": "object",
                "properties": {
                  "specversion": {
                    "type": "string"
                  },
                  "id": {
                    "type": "string"
                  },
                  "source": {
                    "type": "string"
                  },
                  "type": {
                    "type": "string"
                  },
                  "subject": {
                    "type": "string"
                  },
                  "time": {
                    "type": "string"
                  },
                  "datacontenttype": {
                    "type": "string"
                  },
                  "dataschema": {
                    "type": "string"
                  },
                  "data": {},
                  "data_base64": {
                    "type": "string"
                  }
                },
                "required": [
                  "specversion",
                  "id",
                  "source",
                  "type"
                ]
              },
              "PublishResponse": {
                "type": "object",
                "properties": {
                  "receipts": {
                    "type": "array",
                    "items": {
                      "type": "object",
                      "properties": {
                        "id": {
                          "type": "string"
                        },
                        "partition": {
                          "type": "integer"
                        },
                        "offset": {
                          "type": "integer"
                        },
                        "duplicate": {
                          "type": "boolean"
                        }
                      },
                      "required": [
                        "id",
                        "partition",
                        "offset",
                        "duplicate"
                      ]
                    }
                  }
                },
                "required": [
                  "receipts"
                ]
              },
              "GroupSettings": {
                "type": "object",
                "properties": {
                  "ackDeadlineMilliseconds": {
                    "type": "integer"
                  },
                  "maximumDeliveries": {
                    "type": "integer"
                  },
                  "ordering": {
                    "enum": [
                      "unordered",
                      "perKey"
                    ]
                  },
                  "startPosition": {
                    "enum": [
                      "earliest",
                      "latest"
                    ]
                  }
                }
              },
              "FetchRequest": {
                "type": "object",
                "properties": {
                  "maxEvents": {
                    "type": "integer"
                  },
                  "waitMilliseconds": {
                    "type": "integer"
                  },
                  "group": {
                    "$ref": "#/components/schemas/GroupSettings"
                  }
                }
              },
              "FetchResponse": {
                "type": "object",
                "properties": {
                  "deliveries": {
                    "type": "array",
                    "items": {
                      "type": "object",
                      "properties": {
                        "token": {
                          "type": "string"
                        },
                        "attempt": {
                          "type": "integer"
                        },
                        "partition": {
                          "type": "integer"
                        },
                        "offset": {
                          "type": "integer"
                        },
                        "event": {
                          "$ref": "#/components/schemas/CloudEvent"
                        }
                      },
                      "required": [
                        "token",
                        "attempt",
                        "partition",
                        "offset",
                        "event"
                      ]
                    }
                  }
                },
                "required": [
                  "deliveries"
                ]
              },
              "SettleRequest": {
                "type": "object",
                "properties": {
                  "settlements": {
                    "type": "array",
                    "items": {
                      "type": "object",
                      "properties": {
                        "token": {
                          "type": "string"
                        },
                        "action": {
                          "enum": [
                            "ack",
                            "nack",
                            "reject",
                            "extend"
                          ]
                        },
                        "retryAfterMilliseconds": {
                          "type": "integer"
                        },
                        "reason": {
                          "type": "string"
                        },
                        "errorType": {
                          "type": "string"
                        }
                      },
                      "required": [
                        "token",
                        "action"
                      ]
                    }
                  }
                },
                "required": [
                  "settlements"
                ]
              },
              "SettleResponse": {
                "type": "object",
                "properties": {
                  "settled": {
                    "type": "integer"
                  }
                },
                "required": [
                  "settled"
                ]
              },
              "TopicSettings": {
                "type": "object",
                "properties": {
                  "name": {
                    "type": "string"
                  },
                  "partitions": {
                    "type": "integer"
                  },
                  "deduplicationWindowSeconds": {
                    "type": "integer"
                  },
                  "maximumDeduplicationEntries": {
                    "type": "integer"
                  },
                  "maximumEvents": {
                    "type": "integer"
                  },
                  "maximumBytes": {
                    "type": "integer"
                  },
                  "maximumEventBytes": {
                    "type": "integer"
                  },
                  "overflowPolicy": {
                    "enum": [
                      "rejectPublish",
                      "dropOldest"
                    ]
                  }
                },
                "required": [
                  "name"
                ]
              },
              "TopicList": {
                "type": "object",
                "properties": {
                  "topics": {
                    "type": "array",
                    "items": {
                      "$ref": "#/components/schemas/TopicSettings"
                    }
                  }
                },
                "required": [
                  "topics"
                ]
              },
              "Topic": {
                "type": "object",
                "properties": {
                  "name": {
                    "type": "string"
                  },
                  "configuration": {
                    "$ref": "#/components/schemas/TopicSettings"
                  },
                  "retention": {
                    "type": "object",
                    "properties": {
                      "maximumEvents": {
                        "type": "integer"
                      },
                      "maximumBytes": {
                        "type": "integer"
                      },
                      "maximumAgeSeconds": {
                        "type": "integer"
                      },
                      "overflowPolicy": {
                        "type": "string"
                      }
                    }
                  },
                  "events": {
                    "type": "integer"
                  },
                  "bytes": {
                    "type": "integer"
                  },
                  "partitions": {
                    "type": "array",
                    "items": {
                      "type": "object",
                      "properties": {
                        "partition": {
                          "type": "integer"
                        },
                        "startOffset": {
                          "type": "integer"
                        },
                        "endOffset": {
                          "type": "integer"
                        },
                        "events": {
                          "type": "integer"
                        },
                        "bytes": {
                          "type": "integer"
                        }
                      },
                      "required": [
                        "partition",
                        "startOffset",
                        "endOffset",
                        "events"
                      ]
                    }
                  }
                },
                "required": [
                  "name",
                  "configuration",
                  "retention",
                  "events",
                  "partitions"
                ]
              },
              "Group": {
                "type": "object",
                "properties": {
                  "topic": {
                    "type": "string"
                  },
                  "group": {
                    "type": "string"
                  },
                  "deadLetterTopic": {
                    "type": "string"
                  },
                  "paused": {
                    "type": "boolean"
                  },
                  "options": {
                    "type": "object",
                    "properties": {
                      "ackDeadlineMilliseconds": {
                        "type": "integer"
                      },
                      "maximumDeliveries": {
                        "type": "integer"
                      },
                      "ordering": {
                        "type": "string"
                      },
                      "startPosition": {
                        "type": "string"
                      }
                    }
                  },
                  "members": {
                    "type": "array",
                    "items": {
                      "type": "object",
                      "properties": {
                        "id": {
                          "type": "integer"
                        },
                        "prefetch": {
                          "type": "integer"
                        },
                        "inFlight": {
                          "type": "integer"
                        },
                        "draining": {
                          "type": "boolean"
                        }
                      }
                    }
                  },
                  "pending": {
                    "type": "integer"
                  },
                  "inFlight": {
                    "type": "integer"
                  },
                  "partitions": {
                    "type": "array",
                    "items": {
                      "type": "object",
                      "properties": {
                        "partition": {
                          "type": "integer"
                        },
                        "committedOffset": {
                          "type": "integer"
                        },
                        "endOffset": {
                          "type": "integer"
                        },
                        "pending": {
                          "type": "integer"
                        },
                        "inFlight": {
                          "type": "integer"
                        },
                        "awaitingRedelivery": {
                          "type": "integer"
                        }
                      }
                    }
                  }
                },
                "required": [
                  "topic",
                  "group",
                  "members",
                  "pending",
                  "partitions"
                ]
              },
              "GroupList": {
                "type": "object",
                "properties": {
                  "groups": {
                    "type": "array",
                    "items": {
                      "$ref": "#/components/schemas/Group"
                    }
                  }
                },
                "required": [
                  "groups"
                ]
              },
              "SeekRequest": {
                "type": "object",
                "properties": {
                  "to": {
                    "enum": [
                      "earliest",
                      "latest"
                    ]
                  },
                  "offset": {
                    "type": "integer",
                    "minimum": 0
                  },
                  "offsets": {
                    "type": "object",
                    "additionalProperties": {
                      "type": "integer",
                      "minimum": 0
                    }
                  },
                  "time": {
                    "type": "string",
                    "format": "date-time"
                  }
                }
              },
              "CategoryList": {
                "type": "object",
                "properties": {
                  "categories": {
                    "type": "array",
                    "items": {
                      "type": "object",
                      "properties": {
                        "id": {
                          "type": "string"
                        },
                        "errorType": {
                          "type": "string"
                        },
                        "pattern": {
                          "type": "string"
                        },
                        "eventType": {
                          "type": "string"
                        },
                        "group": {
                          "type": "string"
                        },
                        "count": {
                          "type": "integer"
                        },
                        "firstSeen": {
                          "type": "string"
                        },
                        "lastSeen": {
                          "type": "string"
                        },
                        "example": {
                          "type": "string"
                        }
                      }
                    }
                  },
                  "open": {
                    "type": "integer"
                  },
                  "scanned": {
                    "type": "integer"
                  },
                  "truncated": {
                    "type": "boolean"
                  }
                },
                "required": [
                  "categories",
                  "open",
                  "scanned",
                  "truncated"
                ]
              },
              "DeadLetter": {
                "type": "object",
                "properties": {
                  "position": {
                    "type": "string"
                  },
                  "category": {
                    "type": "string"
                  },
                  "errorType": {
                    "type": "string"
                  },
                  "message": {
                    "type": "string"
                  },
                  "attempts": {
                    "type": "integer"
                  },
                  "firstFailureAt": {
                    "type": "string"
                  },
                  "lastFailureAt": {
                    "type": "string"
                  },
                  "originTopic": {
                    "type": "string"
                  },
                  "originPartition": {
                    "type": "integer"
                  },
                  "originOffset": {
                    "type": "integer"
                  },
                  "redrives": {
                    "type": "integer"
                  },
                  "event": {
                    "$ref": "#/components/schemas/CloudEvent"
                  }
                },
                "required": [
                  "position",
                  "category",
                  "errorType",
                  "event",
                  "redrives"
                ]
              },
              "DeadLetterList": {
                "type": "object",
                "properties": {
                  "deadLetters": {
                    "type": "array",
                    "items": {
                      "$ref": "#/components/schemas/DeadLetter"
                    }
                  }
                },
                "required": [
                  "deadLetters"
                ]
              },
              "DeadLetterDetail": {
                "allOf": [
                  {
                    "$ref": "#/components/schemas/DeadLetter"
                  },
                  {
                    "type": "object",
                    "properties": {
                      "open": {
                        "type": "boolean"
                      },
                      "history": {
                        "type": "array",
                        "items": {
                          "$ref": "#/components/schemas/DeadLetter"
                        }
                      }
                    },
                    "required": [
                      "open",
                      "history"
                    ]
                  }
                ]
              },
              "Selection": {
                "type": "object",
                "properties": {
                  "positions": {
                    "type": "array",
                    "items": {
                      "type": "string"
                    }
                  },
                  "category": {
                    "type": "string"
                  },
                  "all": {
                    "type": "boolean"
                  },
                  "dryRun": {
                    "type": "boolean"
                  },
                  "limit": {
                    "type": "integer",
                    "minimum": 1
                  }
                }
              },
              "EditRequest": {
                "type": "object",
                "properties": {
                  "event": {
                    "$ref": "#/components/schemas/CloudEvent"
                  },
                  "dryRun": {
                    "type": "boolean"
                  }
                },
                "required": [
                  "event"
                ]
              },
              "TriageReport": {
                "type": "object",
                "properties": {
                  "dryRun": {
                    "type": "boolean"
                  },
                  "action": {
                    "enum": [
                      "redrive",
                      "archive",
                      "edit",
                      "import"
                    ]
                  },
                  "selection": {
                    "type": "string"
                  },
                  "count": {
                    "type": "integer"
                  },
                  "categories": {
                    "type": "object",
                    "additionalProperties": {
                      "type": "integer"
                    }
                  },
                  "topics": {
                    "type": "object",
                    "additionalProperties": {
                      "type": "integer"
                    }
                  },
                  "duplicates": {
                    "type": "integer"
                  },
                  "skipped": {
                    "type": "object",
                    "additionalProperties": {
                      "type": "string"
                    }
                  },
                  "positions": {
                    "type": "array",
                    "items": {
                      "type": "string"
                    }
                  }
                },
                "required": [
                  "dryRun",
                  "action",
                  "count"
                ]
              },
              "EditResult": {
                "type": "object",
                "properties": {
                  "report": {
                    "$ref": "#/components/schemas/TriageReport"
                  },
                  "receipt": {
                    "type": "object",
                    "properties": {
                      "id": {
                        "type": "string"
                      },
                      "partition": {
                        "type": "integer"
                      },
                      "offset": {
                        "type": "integer"
                      },
                      "duplicate": {
                        "type": "boolean"
                      }
                    }
                  }
                },
                "required": [
                  "report"
                ]
              },
              "AuditLog": {
                "type": "object",
                "properties": {
                  "entries": {
                    "type": "array",
                    "items": {
                      "type": "object",
                      "properties": {
                        "offset": {
                          "type": "integer"
                        },
                        "action": {
                          "type": "string"
                        },
                        "actor": {
                          "type": "string"
                        },
                        "at": {
                          "type": "string"
                        },
                        "topic": {
                          "type": "string"
                        },
                        "group": {
                          "type": "string"
                        },
                        "deadLetterTopic": {
                          "type": "string"
                        },
                        "selection": {
                          "type": "string"
                        },
                        "count": {
                          "type": "integer"
                        },
                        "newEventID": {
                          "type": "string"
                        }
                      }
                    }
                  }
                },
                "required": [
                  "entries"
                ]
              },
              "ProjectionList": {
                "type": "object",
                "required": [
                  "projections"
                ],
                "properties": {
                  "projections": {
                    "type": "array",
                    "items": {
                      "type": "object",
                      "required": [
                        "name"
                      ],
                      "properties": {
                        "name": {
                          "type": "string"
                        },
                        "position": {
                          "type": "integer",
                          "minimum": 0
                        },
                        "headPosition": {
                          "type": "integer",
                          "minimum": 0
                        },
                        "positionsBehind": {
                          "type": "integer",
                          "minimum": 0
                        },
                        "lastAppliedRecordedAt": {
                          "type": "string",
                          "format": "date-time"
                        },
                        "observedAt": {
                          "type": "string",
                          "format": "date-time"
                        },
                        "error": {
                          "type": "string"
                        }
                      }
                    }
                  }
                }
              },
              "WebhookList": {
                "type": "object",
                "properties": {
                  "webhooks": {
                    "type": "array",
                    "items": {
                      "type": "object",
                      "properties": {
                        "name": {
                          "type": "string"
                        },
                        "topic": {
                          "type": "string"
                        },
                        "group": {
                          "type": "string"
                        },
                        "url": {
                          "type": "string"
                        },
                        "state": {
                          "enum": [
                            "validating",
                            "active",
                            "refused"
                          ]
                        },
                        "refusal": {
                          "type": "string"
                        },
                        "allowedRatePerMinute": {
                          "type": "integer"
                        },
                        "delivered": {
                          "type": "integer"
                        },
                        "retried": {
                          "type": "integer"
                        },
                        "deadLettered": {
                          "type": "integer"
                        },
                        "lastFailure": {
                          "type": "string"
                        }
                      }
                    }
                  }
                },
                "required": [
                  "webhooks"
                ]
              },
              "EventPage": {
                "type": "object",
                "required": [
                  "topic",
                  "partition",
                  "from",
                  "next",
                  "startOffset",
                  "endOffset",
                  "scanned",
                  "events"
                ],
                "properties": {
                  "topic": {
                    "type": "string"
                  },
                  "partition": {
                    "type": "integer"
                  },
                  "from": {
                    "type": "integer"
                  },
                  "next": {
                    "type": "integer"
                  },
                  "startOffset": {
                    "type": "integer"
                  },
                  "endOffset": {
                    "type": "integer"
                  },
                  "scanned": {
                    "type": "integer"
                  },
                  "events": {
                    "type": "array",
                    "items": {
                      "type": "object",
                      "required": [
                        "topic",
                        "partition",
                        "offset",
                        "storedAt",
                        "event"
                      ],
                      "properties": {
                        "topic": {
                          "type": "string"
                        },
                        "partition": {
                          "type": "integer",
                          "minimum": 0
                        },
                        "offset": {
                          "type": "integer",
                          "minimum": 0
                        },
                        "storedAt": {
                          "type": "string",
                          "format": "date-time"
                        },
                        "event": {
                          "type": "object"
                        }
                      }
                    }
                  },
                  "filter": {
                    "type": [
                      "string",
                      "null"
                    ]
                  }
                }
              },
              "StoredEventDetail": {
                "type": "object",
                "required": [
                  "topic",
                  "partition",
                  "offset",
                  "storedAt",
                  "event",
                  "groups"
                ],
                "properties": {
                  "topic": {
                    "type": "string"
                  },
                  "partition": {
                    "type": "integer",
                    "minimum": 0
                  },
                  "offset": {
                    "type": "integer",
                    "minimum": 0
                  },
                  "storedAt": {
                    "type": "string",
                    "format": "date-time"
                  },
                  "event": {
                    "type": "object"
                  },
                  "groups": {
                    "type": "array",
                    "items": {
                      "type": "object",
                      "required": [
                        "group",
                        "state"
                      ],
                      "properties": {
                        "group": {
                          "type": "string"
                        },
                        "state": {
                          "type": "string",
                          "enum": [
                            "acknowledged",
                            "pending",
                            "in flight",
                            "awaiting redelivery",
                            "dead-lettered",
                            "redriven"
                          ]
                        }
                      }
                    }
                  }
                }
              },
              "Overview": {
                "type": "object",
                "required": [
                  "at",
                  "intervalSeconds",
                  "topics",
                  "observedEvents"
                ],
                "properties": {
                  "at": {
                    "type": "string"
                  },
                  "intervalSeconds": {
                    "type": "number"
                  },
                  "observedEvents": {
                    "type": "integer"
                  },
                  "topics": {
                    "type": "array",
                    "items": {
                      "type": "object",
                      "required": [
                        "name",
                        "partitions",
                        "events",
                        "published",
                        "groups"
                      ],
                      "properties": {
                        "name": {
                          "type": "string"
                        },
                        "partitions": {
                          "type": "integer"
                        },
                        "events": {
                          "type": "integer"
                        },
                        "published": {
                          "type": "integer"
                        },
                        "groups": {
                          "type": "array",
                          "items": {
                            "type": "object",
                            "required": [
                              "name",
                              "pending",
                              "handled",
                              "deadLetters"
                            ]
                          }
                        }
                      }
                    }
                  }
                }
              },
              "FlowMap": {
                "type": "object",
                "required": [
                  "services",
                  "types",
                  "topics",
                  "groups",
                  "publications",
                  "reactions",
                  "consumptions"
                ],
                "properties": {
                  "services": {
                    "type": "array"
                  },
                  "types": {
                    "type": "array"
                  },
                  "topics": {
                    "type": "array"
                  },
                  "groups": {
                    "type": "array"
                  },
                  "publications": {
                    "type": "array"
                  },
                  "reactions": {
                    "type": "array"
                  },
                  "consumptions": {
                    "type": "array"
                  }
                }
              },
              "Trace": {
                "type": "object",
                "required": [
                  "correlationId",
                  "events",
                  "services",
                  "truncated"
                ],
                "properties": {
                  "correlationId": {
                    "type": "string"
                  },
                  "services": {
                    "type": "array",
                    "items": {
                      "type": "string"
                    }
                  },
                  "truncated": {
                    "type": "boolean"
                  },
                  "events": {
                    "type": "array",
                    "items": {
                      "type": "object",
                      "required": [
                        "depth",
                        "id",
                        "type",
                        "source",
                        "topic",
                        "partition",
                        "offset"
                      ]
                    }
                  }
                }
              }
            }
          }
        }
        """#
}
